import Synchronization

#if canImport(Glibc)
    import Glibc
#elseif canImport(Darwin)
    import Darwin
#endif

/// A dedicated OS thread running a loop until stopped; used to serve `rd_kafka_poll` off the
/// cooperative pool.
final class PollThread: Sendable {
    private let stopped = Atomic<Bool>(false)
    private let thread: Mutex<pthread_t?>

    /// Starts `body` on a new thread; it is called repeatedly until ``stop()``.
    /// `body` should block for a short bounded time (e.g. `rd_kafka_poll(rk, 50)`).
    init(name: String, body: @escaping @Sendable () -> Void) {
        thread = Mutex(nil)
        let box = Unmanaged.passRetained(ThreadBody(stopped: self, body: body, name: name))
        var handle = pthread_t()
        let result = pthread_create(
            &handle, nil,
            { argument in
                let box = Unmanaged<ThreadBody>.fromOpaque(argument!).takeRetainedValue()
                box.run()
                return nil
            }, box.toOpaque())
        precondition(result == 0, "pthread_create failed: \(result)")
        thread.withLock { $0 = handle }
    }

    deinit { stop() }

    var isStopped: Bool { stopped.load(ordering: .acquiring) }

    /// Stops the loop and joins the thread; idempotent.
    func stop() {
        stopped.store(true, ordering: .releasing)
        let handle = thread.withLock { handle -> pthread_t? in
            defer { handle = nil }
            return handle
        }
        if let handle { pthread_join(handle, nil) }
    }

    private final class ThreadBody: @unchecked Sendable {
        unowned(unsafe) let owner: PollThread
        let body: @Sendable () -> Void
        let name: String
        init(stopped owner: PollThread, body: @escaping @Sendable () -> Void, name: String) {
            self.owner = owner
            self.body = body
            self.name = name
        }
        func run() {
            while !owner.isStopped { body() }
        }
    }
}
