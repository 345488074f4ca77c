/// Counters and facts about a running pipeline, readable from any thread.
public struct PipelineStatus: Sendable, Equatable {
    public var pipeline: String
    public var state: State = .starting
    /// Records consumed and applied (committed), by outcome.
    public var appliedRecords: Int = 0
    public var deadLetters: Int = 0
    public var batches: Int = 0
    public var failedBatchAttempts: Int = 0
    public var recommendations: Int = 0
    public var decisions: Int = 0
    /// Partitions currently assigned.
    public var assignedPartitions: Int = 0
    /// Records between the stored offsets and the partitions' high watermarks, refreshed when idle.
    public var lag: Int64?
    /// Event time of the newest applied record.
    public var lastEventMs: Int64?
    public var lastError: String?
    /// Where the loop's time went (seconds, cumulative): polling, processing, waiting for
    /// delivery reports, and the SQLite commit.
    public var timing = Timing()
    /// The stages' own counters (``PipelineStage/counters``), as of the last processed batch.
    public var stageCounters: [String: Int] = [:]
    /// User-state rows committed and their bytes (each touched user's whole state per batch).
    public var stateRowsWritten = 0
    public var stateBytesWritten = 0

    public struct Timing: Sendable, Equatable {
        public var poll = 0.0
        public var process = 0.0
        public var flush = 0.0
        public var commit = 0.0
        public init() {}
    }

    public init(pipeline: String) { self.pipeline = pipeline }

    public enum State: String, Sendable {
        case starting, running, stopping, stopped, failed
    }
}
