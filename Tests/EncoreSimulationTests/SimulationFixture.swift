import EncoreCore
import EncoreSimulation

/// One small simulated week shared by the behaviour suites (generated once per test process).
enum SimulationFixture {
    static let configuration = SimulationConfiguration(
        users: 300, tracks: 1500, artists: 150, days: 7, seed: 2026
    )

    /// The run, or the configuration error (tests call `try run.get()`).
    static let run: Result<SimulationRun, SimulationError> = Result { () throws(SimulationError) in
        try SimulationRun(configuration: configuration)
    }
}

/// A fully materialised run with the views the tests need.
struct SimulationRun: Sendable {
    /// One `sent` with what followed it.
    struct Send: Sendable {
        var userIndex: Int
        var timestampMs: Int64
        /// Times of the same user's earlier sends.
        var earlierSendsMs: [Int64]
        var opened: Bool
    }

    let simulator: MusicSimulator
    let events: [SimulatedEvent]
    let listens: [ListenEvent]
    let sends: [Send]

    init(configuration: SimulationConfiguration) throws(SimulationError) {
        simulator = try MusicSimulator(configuration: configuration)
        events = Array(simulator.makeEventStream())
        var listens: [ListenEvent] = []
        var sends: [Send] = []
        var sendIndexByNotification: [NotificationID: Int] = [:]
        var sendTimesByUser: [Int: [Int64]] = [:]
        let truth = simulator.groundTruth
        for event in events {
            switch event {
            case .listen(let listen):
                listens.append(listen)
            case .notification(let notification):
                switch notification.action {
                case .sent:
                    let user = truth.userIndex(of: notification.userID) ?? -1
                    sendIndexByNotification[notification.notificationID] = sends.count
                    sends.append(
                        Send(
                            userIndex: user, timestampMs: notification.timestampMs,
                            earlierSendsMs: sendTimesByUser[user, default: []], opened: false
                        )
                    )
                    sendTimesByUser[user, default: []].append(notification.timestampMs)
                case .opened:
                    if let index = sendIndexByNotification[notification.notificationID] { sends[index].opened = true }
                case .dismissed:
                    break
                }
            case .request, .track:
                break
            }
        }
        self.listens = listens
        self.sends = sends
    }

    /// The ground-truth open probability of a recorded send.
    func probability(of send: Send) -> Double {
        simulator.groundTruth.openProbability(
            userIndex: send.userIndex, atMs: send.timestampMs, recentSendTimesMs: send.earlierSendsMs
        )
    }
}

/// Observed rate, mean predicted probability and the binomial standard error of their gap.
struct RateSummary {
    var count = 0
    var opens = 0
    var predicted = 0.0
    var variance = 0.0

    mutating func add(opened: Bool, probability: Double) {
        count += 1
        opens += opened ? 1 : 0
        predicted += probability
        variance += probability * (1 - probability)
    }

    var observedRate: Double { Double(opens) / Double(max(count, 1)) }
    var meanPredicted: Double { predicted / Double(max(count, 1)) }
    /// Standard error of the observed rate given the predicted probabilities (Poisson-binomial).
    var standardError: Double { variance.squareRoot() / Double(max(count, 1)) }
}
