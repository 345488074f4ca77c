import EncoreCore
/// Seconds elapsed while running a closure (wall time, for operational reporting only).
func measureSeconds<T>(_ body: () throws -> T) rethrows -> (T, Double) {
    let clock = ContinuousClock()
    let start = clock.now
    let value = try body()
    let elapsed = clock.now - start
    return (value, elapsed.inSeconds)
}
