/// A batch of consumed records whose keys, values and headers are packed into one byte array.
///
/// Building a batch does no per-record heap allocation: each record is a small descriptor
/// (``ConsumedRecord``) pointing into ``bytes``. Read values in place with ``withValue(of:_:)``.
public struct ConsumedBatch: Sendable {
    /// The records, in the order librdkafka delivered them (per partition, offset order).
    public var records: [ConsumedRecord]
    /// Topic names; ``ConsumedRecord/topicIndex`` indexes this array.
    public var topics: [String]
    /// Packed keys, values and header bytes.
    public var bytes: [UInt8]
    /// Header descriptors; ``ConsumedRecord/headerStart`` indexes this array.
    var headerSlots: [HeaderSlot]

    /// Where one header's name and value sit in ``bytes``.
    struct HeaderSlot: Sendable {
        var nameStart: Int
        var nameCount: Int32
        var valueStart: Int
        /// -1 for a null header value.
        var valueCount: Int32
    }

    /// An empty batch.
    public init() {
        self.records = []
        self.topics = []
        self.bytes = []
        self.headerSlots = []
    }

    /// Whether the batch has no records.
    public var isEmpty: Bool { records.isEmpty }
    /// The number of records.
    public var count: Int { records.count }

    /// Calls `body` with the record's value bytes in place (valid only inside `body`).
    public func withValue<R, E: Error>(
        of record: ConsumedRecord, _ body: (UnsafeRawBufferPointer) throws(E) -> R
    ) throws(E) -> R {
        let result: Result<R, E> = bytes.withUnsafeBytes { all in
            let slice = UnsafeRawBufferPointer(
                rebasing: all[record.valueStart..<record.valueStart + Int(record.valueCount)])
            return Result { () throws(E) in try body(slice) }
        }
        return try result.get()
    }

    /// A copy of the record's value.
    public func value(of record: ConsumedRecord) -> [UInt8] {
        Array(bytes[record.valueStart..<record.valueStart + Int(record.valueCount)])
    }

    /// A copy of the record's key, or `nil` for a null key.
    public func key(of record: ConsumedRecord) -> [UInt8]? {
        guard record.keyCount >= 0 else { return nil }
        return Array(bytes[record.keyStart..<record.keyStart + Int(record.keyCount)])
    }

    /// The record's topic name.
    public func topic(of record: ConsumedRecord) -> String {
        topics[Int(record.topicIndex)]
    }

    /// The record's topic and partition.
    public func topicPartition(of record: ConsumedRecord) -> TopicPartition {
        TopicPartition(topic: topics[Int(record.topicIndex)], partition: record.partition)
    }

    /// The record's headers, in order (a null header value reads as empty).
    public func headers(of record: ConsumedRecord) -> [KafkaHeader] {
        (0..<Int(record.headerCount)).map { index in
            let slot = headerSlots[Int(record.headerStart) + index]
            let name = String(decoding: bytes[slot.nameStart..<slot.nameStart + Int(slot.nameCount)], as: UTF8.self)
            let value =
                slot.valueCount < 0 ? [] : Array(bytes[slot.valueStart..<slot.valueStart + Int(slot.valueCount)])
            return KafkaHeader(name: name, value: value)
        }
    }

    /// For each partition in the batch, the next offset to read after it (max offset + 1).
    public var nextOffsets: [TopicPartition: Int64] {
        var result: [TopicPartition: Int64] = [:]
        for record in records {
            let key = topicPartition(of: record)
            result[key] = max(result[key] ?? Int64.min, record.offset + 1)
        }
        return result
    }

    // MARK: Building (consumer side)

    mutating func append(raw bytes: UnsafeRawPointer?, count: Int) -> Int {
        let start = self.bytes.count
        if let bytes, count > 0 { self.bytes.append(contentsOf: UnsafeRawBufferPointer(start: bytes, count: count)) }
        return start
    }

    mutating func appendHeader(name: UnsafePointer<CChar>, value: UnsafeRawPointer?, count: Int) {
        let nameCount = strlenInline(name)
        let nameStart = append(raw: UnsafeRawPointer(name), count: nameCount)
        let valueStart = append(raw: value, count: count)
        headerSlots.append(
            HeaderSlot(
                nameStart: nameStart, nameCount: Int32(nameCount), valueStart: valueStart,
                valueCount: value == nil ? -1 : Int32(count)))
    }

    /// Drops records for which `shouldDrop` is true (their bytes stay in the storage, unreferenced).
    mutating func removeRecords(where shouldDrop: (TopicPartition) -> Bool) {
        let topics = self.topics
        records.removeAll { shouldDrop(TopicPartition(topic: topics[Int($0.topicIndex)], partition: $0.partition)) }
    }
}

@inline(__always)
private func strlenInline(_ pointer: UnsafePointer<CChar>) -> Int {
    var count = 0
    while pointer[count] != 0 { count += 1 }
    return count
}
