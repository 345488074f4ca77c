import EncorePipeline
import Synchronization

/// A bounded ring buffer of pipeline samples over wall time: what the status page charts.
///
/// Each sample sums the pipelines' counters; throughput is the applied-record rate since the
/// previous sample. When full, the oldest sample is dropped.
public final class StatusHistory: Sendable {
    /// One sample of the service.
    public struct Sample: Sendable, Equatable {
        /// Wall time of the sample (Unix ms).
        public var wallMs: Int64
        /// Records applied so far (all pipelines).
        public var appliedRecords: Int
        public var deadLetters: Int
        public var recommendations: Int
        public var decisions: Int
        /// Applied records per second since the previous sample; `nil` for the first.
        public var recordsPerSecond: Double?
        /// Summed consumer lag; `nil` when no pipeline knew its lag at that moment.
        public var lag: Int64?
    }

    private struct Ring {
        var samples: [Sample] = []
        var start = 0
    }

    public let capacity: Int
    private let ring = Mutex(Ring())

    public init(capacity: Int) {
        precondition(capacity > 0, "capacity must be positive")
        self.capacity = capacity
    }

    /// Records the pipelines' status at `wallMs`.
    public func record(_ statuses: [PipelineStatus], atWallMs wallMs: Int64) {
        var sample = Sample(
            wallMs: wallMs, appliedRecords: statuses.map(\.appliedRecords).reduce(0, +),
            deadLetters: statuses.map(\.deadLetters).reduce(0, +),
            recommendations: statuses.map(\.recommendations).reduce(0, +),
            decisions: statuses.map(\.decisions).reduce(0, +), recordsPerSecond: nil,
            lag: statuses.contains { $0.lag != nil } ? statuses.compactMap(\.lag).reduce(0, +) : nil
        )
        ring.withLock { ring in
            if let previous = ring.samples.isEmpty
                ? nil : ring.samples[(ring.start + ring.samples.count - 1) % capacity],
                wallMs > previous.wallMs
            {
                let seconds = Double(wallMs - previous.wallMs) / 1000
                sample.recordsPerSecond = Double(max(0, sample.appliedRecords - previous.appliedRecords)) / seconds
            }
            if ring.samples.count < capacity {
                ring.samples.append(sample)
            } else {
                ring.samples[ring.start] = sample
                ring.start = (ring.start + 1) % capacity
            }
        }
    }

    /// The samples, oldest first.
    public var samples: [Sample] {
        ring.withLock { ring in
            Array(ring.samples[ring.start...] + ring.samples[..<ring.start])
        }
    }
}
