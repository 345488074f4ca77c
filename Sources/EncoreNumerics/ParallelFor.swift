import Dispatch
import Synchronization

/// Runs `body(chunk)` for every chunk index in `0..<chunkCount` on up to `threads` workers.
///
/// Workers take the next chunk from a shared counter, so a worker slowed down by another
/// process on a shared machine simply takes fewer chunks instead of stalling the others. What a
/// chunk covers is fixed by the caller, so results that write disjoint ranges do not depend
/// on the thread count or the scheduling.
///
/// - Parameters:
///   - chunkCount: Number of chunks.
///   - threads: Maximum concurrent workers; 1 runs everything inline, in order.
///   - body: Called once per chunk index.
public func parallelChunks(chunkCount: Int, threads: Int, _ body: (Int) -> Void) {
    let workers = max(1, min(threads, chunkCount))
    if workers == 1 {
        for chunk in 0..<chunkCount { body(chunk) }
        return
    }
    withoutActuallyEscaping(body) { body in
        let box = UncheckedSendableBox(body)
        let next = Atomic<Int>(0)
        DispatchQueue.concurrentPerform(iterations: workers) { _ in
            while true {
                let chunk = next.wrappingAdd(1, ordering: .relaxed).oldValue
                if chunk >= chunkCount { return }
                box.value(chunk)
            }
        }
    }
}

/// How many chunks a parallel loop over `count` items uses with `threads` workers (four per
/// worker, for balance under contention).
@inlinable
public func chunkCount(for count: Int, threads: Int) -> Int {
    threads <= 1 ? 1 : max(1, min(count, threads * 4))
}

/// Runs a body over contiguous ranges of `0..<count` on up to `threads` workers.
///
/// Range boundaries depend only on `count` and `threads`, so work that writes disjoint
/// ranges is deterministic.
///
/// - Parameters:
///   - count: Number of items.
///   - threads: Maximum concurrent workers; 1 runs inline.
///   - body: Called once per range.
public func parallelFor(count: Int, threads: Int, _ body: (Range<Int>) -> Void) {
    let chunks = chunkCount(for: count, threads: threads)
    if chunks == 1 {
        body(0..<count)
        return
    }
    parallelChunks(chunkCount: chunks, threads: threads) { chunk in
        body(count * chunk / chunks..<count * (chunk + 1) / chunks)
    }
}

/// Moves a value into a concurrent closure whose callers guarantee disjoint use.
public struct UncheckedSendableBox<Value>: @unchecked Sendable {
    // Safety: only used to hand read-only inputs and disjoint output ranges to worker threads.
    /// The wrapped value.
    public let value: Value
    /// Wraps a value.
    public init(_ value: Value) { self.value = value }
}
