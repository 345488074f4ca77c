import EncoreCore

/// Seconds elapsed while running a closure (wall time, for operational reporting only).
///
/// - Returns: The closure's value and the elapsed seconds.
public func measureSeconds<T>(_ body: () throws -> T) rethrows -> (T, Double) {
    let clock = ContinuousClock()
    let start = clock.now
    let value = try body()
    let elapsed = clock.now - start
    return (value, elapsed.inSeconds)
}
