/// Labelled (or to-be-scored) predictor inputs, stored column-block-wise in flat arrays so a
/// batch is a few contiguous GEMM operands.
///
/// Each example is one (request, slot): a user row, a click sequence, the slot's hour and
/// weekday, a slot row, a label (1 = opened within the window) and its time.
public struct TimingExamples: Sendable {
    public private(set) var count = 0
    public var user: [Float] = []
    public var sequence: [Float] = []
    public var slot: [Float] = []
    public var hour: [Int32] = []
    public var weekday: [Int32] = []
    public var label: [Float] = []
    public var timestampMs: [Int64] = []
    /// The simulator's true p(open) when known (evaluation only), else empty.
    public var truth: [Double] = []
    /// Index of the example's user (evaluation baselines), or −1.
    public var userIndex: [Int32] = []

    public init() {}

    /// Appends one example featurised from `state` for a send at `slotMs` decided at `nowMs`.
    public mutating func append(
        state: TimingFeatureState, nowMs: Int64, slotMs: Int64, label: Float, userIndex: Int32 = -1,
        truth: Double? = nil
    ) {
        let userStart = user.count
        let sequenceStart = sequence.count
        let slotStart = slot.count
        user.append(contentsOf: repeatElement(0, count: TimingFeaturizer.userWidth))
        sequence.append(contentsOf: repeatElement(0, count: TimingFeaturizer.sequenceWidth))
        slot.append(contentsOf: repeatElement(0, count: TimingFeaturizer.slotWidth))
        user.withUnsafeMutableBufferPointer { userBuffer in
            sequence.withUnsafeMutableBufferPointer { sequenceBuffer in
                TimingFeaturizer.writeUser(
                    state, nowMs: nowMs, user: userBuffer.baseAddress! + userStart,
                    sequence: sequenceBuffer.baseAddress! + sequenceStart)
            }
        }
        slot.withUnsafeMutableBufferPointer {
            TimingFeaturizer.writeSlot(state, nowMs: nowMs, slotMs: slotMs, slot: $0.baseAddress! + slotStart)
        }
        hour.append(Int32(TimingFeatureState.hour(slotMs)))
        weekday.append(Int32(TimingFeatureState.weekday(slotMs)))
        self.label.append(label)
        timestampMs.append(slotMs)
        self.userIndex.append(userIndex)
        if let truth { self.truth.append(truth) }
        count += 1
    }

    /// Sets the label of example `index` (labels are joined after the send).
    public mutating func setLabel(_ index: Int, _ value: Float) { label[index] = value }

    /// The examples at `indices`, in that order.
    public func subset(_ indices: [Int]) -> TimingExamples {
        var result = TimingExamples()
        result.count = indices.count
        let userWidth = TimingFeaturizer.userWidth
        let sequenceWidth = TimingFeaturizer.sequenceWidth
        let slotWidth = TimingFeaturizer.slotWidth
        result.user.reserveCapacity(indices.count * userWidth)
        result.sequence.reserveCapacity(indices.count * sequenceWidth)
        result.slot.reserveCapacity(indices.count * slotWidth)
        for index in indices {
            result.user.append(contentsOf: user[index * userWidth..<(index + 1) * userWidth])
            result.sequence.append(contentsOf: sequence[index * sequenceWidth..<(index + 1) * sequenceWidth])
            result.slot.append(contentsOf: slot[index * slotWidth..<(index + 1) * slotWidth])
            result.hour.append(hour[index])
            result.weekday.append(weekday[index])
            result.label.append(label[index])
            result.timestampMs.append(timestampMs[index])
            result.userIndex.append(userIndex[index])
            if !truth.isEmpty { result.truth.append(truth[index]) }
        }
        return result
    }

    /// Splits by time: examples before `splitMs` and the rest.
    public func split(atMs splitMs: Int64) -> (before: TimingExamples, after: TimingExamples) {
        let before = (0..<count).filter { timestampMs[$0] < splitMs }
        let after = (0..<count).filter { timestampMs[$0] >= splitMs }
        return (subset(before), subset(after))
    }
}
