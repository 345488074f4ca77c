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
}
