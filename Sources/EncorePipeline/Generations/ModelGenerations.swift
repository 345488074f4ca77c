import EncoreModels
import Synchronization

/// The current model generations of the process, swapped by read-copy-update.
///
/// The retrain scheduler (or start-up) installs a new immutable generation; each pipeline thread
/// checks the cheap ``musicVersion`` at the start of a batch and picks the generation up between
/// batches, so a batch never sees two generations. Readers on other threads (the HTTP API) take
/// the same immutable snapshot.
public final class ModelGenerations: Sendable {
    private let music = Mutex<MusicGeneration?>(nil)
    private let musicCounter = Atomic<Int>(0)
    private let timing = Mutex<(predictor: TimingPredictor, version: Int)?>(nil)
    private let timingCounter = Atomic<Int>(0)

    public init() {}

    /// Installs a music generation; pipelines use it from their next batch on.
    public func install(_ generation: MusicGeneration) {
        music.withLock { $0 = generation }
        musicCounter.add(1, ordering: .releasing)
    }

    /// The current music generation, if any.
    public var currentMusic: MusicGeneration? { music.withLock { $0 } }

    /// Changes whenever a music generation is installed.
    public var musicVersion: Int { musicCounter.load(ordering: .acquiring) }

    /// Installs a C-3PO predictor generation; the notification pipeline uses it from its next batch on.
    public func install(timing predictor: TimingPredictor, version: Int) {
        timing.withLock { $0 = (predictor, version) }
        timingCounter.add(1, ordering: .releasing)
    }

    /// The installed C-3PO predictor, if one was installed in this process (the stage itself
    /// loads the registry's promoted one at start).
    public var currentTiming: (predictor: TimingPredictor, version: Int)? { timing.withLock { $0 } }

    /// Changes whenever a C-3PO predictor is installed.
    public var timingVersion: Int { timingCounter.load(ordering: .acquiring) }
}
