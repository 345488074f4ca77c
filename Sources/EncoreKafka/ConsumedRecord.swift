/// One consumed record: its coordinates and where its bytes sit in the owning ``ConsumedBatch``.
///
/// Read the bytes through the batch (``ConsumedBatch/value(of:)``, ``ConsumedBatch/key(of:)``,
/// ``ConsumedBatch/withValue(of:_:)``); a record is only meaningful with the batch it came from.
public struct ConsumedRecord: Sendable {
    /// Index into ``ConsumedBatch/topics``.
    public var topicIndex: Int32
    /// The partition.
    public var partition: Int32
    /// The record's offset; the next offset to read is `offset + 1`.
    public var offset: Int64
    /// The record timestamp (epoch ms), or -1 if the record has none.
    public var timestampMs: Int64
    /// Start of the key in the batch's packed bytes.
    public var keyStart: Int
    /// Key length in bytes, or -1 for a null key.
    public var keyCount: Int32
    /// Start of the value in the batch's packed bytes.
    public var valueStart: Int
    /// Value length in bytes (0 for a null value).
    public var valueCount: Int32
    /// Index of the first header in the batch's header table.
    public var headerStart: Int32
    /// Number of headers.
    public var headerCount: Int32

    /// Creates a record descriptor; used by the consumer and by tests that build batches by hand.
    public init(
        topicIndex: Int32, partition: Int32, offset: Int64, timestampMs: Int64, keyStart: Int, keyCount: Int32,
        valueStart: Int, valueCount: Int32, headerStart: Int32 = 0, headerCount: Int32 = 0
    ) {
        self.topicIndex = topicIndex
        self.partition = partition
        self.offset = offset
        self.timestampMs = timestampMs
        self.keyStart = keyStart
        self.keyCount = keyCount
        self.valueStart = valueStart
        self.valueCount = valueCount
        self.headerStart = headerStart
        self.headerCount = headerCount
    }
}
