import Synchronization

#if canImport(Glibc)
import Glibc
#endif

/// Sets `TCP_NODELAY` on the embedded broker's accepted connections.
///
/// librdkafka 2.0.2's mock cluster leaves Nagle's algorithm on for the sockets it accepts, so a
/// response written in more than one segment waits for the client's delayed ACK: about 40 ms on
/// Linux for every multi-partition produce request (measured: a flush of 16 messages over 16
/// partitions took 43.8 ms, 0.38 ms with `TCP_NODELAY`). Real Kafka brokers set `TCP_NODELAY`,
/// and clients already do (`socket.nagle.disable`). The mock's sockets live in this process, so
/// the tuner finds them — TCP sockets whose local port is a broker port — and sets the option
/// itself, every 20 ms, on a thread of its own. Linux only; elsewhere it does nothing.
final class MockSocketTuner: Sendable {
    private let poller: PollThread?

    init(ports: Set<UInt16>) {
        #if os(Linux)
        let tuned = TunedDescriptors()
        poller = PollThread(name: "encore-mock-nodelay") {
            Self.tune(ports: ports, tuned: tuned)
            usleep(20_000)
        }
        #else
        poller = nil
        #endif
    }

    func stop() { poller?.stop() }

    #if os(Linux)
    private static func tune(ports: Set<UInt16>, tuned: TunedDescriptors) {
        guard let directory = opendir("/proc/self/fd") else { return }
        defer { closedir(directory) }
        var seen = Set<Int32>()
        while let entry = readdir(directory) {
            let name = withUnsafeBytes(of: entry.pointee.d_name) { String(decoding: $0.prefix { $0 != 0 }, as: UTF8.self) }
            guard let fd = Int32(name) else { continue }
            seen.insert(fd)
            if tuned.set.withLock({ $0.contains(fd) }) { continue }
            var address = sockaddr_in()
            var length = socklen_t(MemoryLayout<sockaddr_in>.size)
            let named = withUnsafeMutablePointer(to: &address) {
                $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { getsockname(fd, $0, &length) }
            }
            guard named == 0, address.sin_family == sa_family_t(AF_INET),
                ports.contains(UInt16(bigEndian: address.sin_port))
            else { continue }
            var one: Int32 = 1
            if setsockopt(fd, Int32(IPPROTO_TCP), TCP_NODELAY, &one, socklen_t(MemoryLayout<Int32>.size)) == 0 {
                tuned.set.withLock { _ = $0.insert(fd) }
            }
        }
        // Forget closed descriptors, whose numbers the kernel will hand out again.
        tuned.set.withLock { $0.formIntersection(seen) }
    }
    #endif
}

/// The descriptors already tuned (only the tuner thread touches it; the lock makes that explicit).
private final class TunedDescriptors: Sendable {
    let set = Mutex(Set<Int32>())
}
