#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// The source of "now" for operational measurements (lag, latency, created times).
///
/// Decisions and features never use it: they use event time (`ts_ms`). It is injectable so
/// tests can pin it.
public struct EventClock: Sendable {
    private let nowMilliseconds: @Sendable () -> Int64

    public init(nowMilliseconds: @escaping @Sendable () -> Int64) { self.nowMilliseconds = nowMilliseconds }

    /// Wall-clock time in milliseconds since the Unix epoch.
    public static let system = EventClock {
        var spec = timespec()
        clock_gettime(CLOCK_REALTIME, &spec)
        return Int64(spec.tv_sec) * 1000 + Int64(spec.tv_nsec) / 1_000_000
    }

    /// A clock that always answers `milliseconds`.
    public static func fixed(_ milliseconds: Int64) -> EventClock { EventClock { milliseconds } }

    public var nowMs: Int64 { nowMilliseconds() }
}
