import Dispatch

/// Runs a body over contiguous chunks of `0..<count` on up to `threads` threads.
///
/// Chunk boundaries depend only on `count` and `threads`, so work that writes disjoint
/// ranges is deterministic.
///
/// - Parameters:
///   - count: Number of items.
///   - threads: Number of chunks (threads); 1 runs inline.
///   - body: Called once per chunk with its range.
public func parallelFor(count: Int, threads: Int, _ body: (Range<Int>) -> Void) {
    let parts = max(1, min(threads, count))
    if parts == 1 {
        body(0..<count)
        return
    }
    withoutActuallyEscaping(body) { body in
        let box = UncheckedSendableBox(body)
        DispatchQueue.concurrentPerform(iterations: parts) { part in
            box.value(count * part / parts..<count * (part + 1) / parts)
        }
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
