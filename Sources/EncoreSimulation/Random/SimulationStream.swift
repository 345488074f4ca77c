import EncoreCore

/// The purposes of the simulator's independent random streams (see
/// ``EncoreCore/SeededGenerator/init(seed:stream:_:_:)``). Values are part of the output contract:
/// changing one changes every generated run.
enum SimulationStream {
    static let catalogue: UInt64 = 1
    static let userProfile: UInt64 = 2
    static let sessionSchedule: UInt64 = 3
    static let notificationSchedule: UInt64 = 4
    static let listening: UInt64 = 5
    static let notificationOutcome: UInt64 = 6
}
