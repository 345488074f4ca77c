import EncoreApp
import EncoreCore
import EncoreEvaluation
import EncoreModels
import EncorePipeline
import EncoreStages
import EncoreSimulation
import EncoreStore
import EncoreTraining
import Foundation

/// `encore train --model c3po` / `encore eval --model c3po`: C-3PO on a seeded simulation with
/// ground truth, against baselines in the same run.
///
/// Data `sim:SEED` simulates `users` users for `days` days (the legacy sender sends every
/// request at once, so the sends cover all hours). The last `testDays` days are the held-out
/// later period. Features are those as of each send (``TimingExampleBuilder``).
///
/// - **Predictor:** AUC, log loss and O/E per decile on the held-out sends, beside the global
///   hour-of-day open rate, the user's smoothed own rate by hour (`(opens_uh + 2p̄)/(sends_uh + 2)`,
///   counts of all earlier sends), an L2 logistic regression on the same features, and the
///   simulator's true p(open) (the ceiling).
/// - **Policy replay:** the held-out requests through C-3PO (users' time zones known from the
///   simulator), the rule baseline and send-immediately, every send scored with the true
///   p(open) given that policy's earlier sends.
public enum TimingEvaluation {
    /// What to run.
    public struct Options: Sendable {
        public var seed: UInt64 = 42
        public var users = 1000
        public var days = 21
        public var testDays = 7
        public var tracks = 2000
        public var trainer = TimingTrainer.Options()
        public var stage = C3POStage.Settings()
        /// Register the trained predictor in this store's model registry (promoted).
        public var registryPath: String?
        /// Write the predictor artifact to this file.
        public var savePath: String?
        public init() {}
        /// Maximum training epochs (early stopping may end sooner).
        public var epochs: Int {
            get { trainer.epochs }
            set { trainer.epochs = newValue }
        }
        /// Attention pooling of the click sequence (false: mean pooling, the ablation).
        public var attentionPooling: Bool {
            get { trainer.attentionPooling }
            set { trainer.attentionPooling = newValue }
        }
        /// Seed of initialisation and shuffling.
        public var trainingSeed: UInt64 {
            get { trainer.seed }
            set { trainer.seed = newValue }
        }
    }

    /// Scores of one predictor on the held-out sends.
    public struct Scores: Sendable {
        public var auc: Double
        public var logLoss: Double
        public var observedOverExpected: Double
        public var deciles: [BinaryClassificationMetrics.CalibrationBin]
    }

    /// A policy's replay figures.
    public struct PolicyFigures: Sendable {
        public var requests: Int
        public var sends: Int
        public var delayed: Int
        public var suppressed: Int
        public var expectedOpens: Double
        public var capViolations: Int
        public var quietHourViolations: Int
        public var opensPerSend: Double { sends == 0 ? 0 : expectedOpens / Double(sends) }
    }

    /// Everything measured.
    public struct Result: Sendable {
        public var trainExamples: Int
        public var testExamples: Int
        public var epochs: Int
        public var c3po: Scores
        public var baselines: [(name: String, scores: Scores)]
        public var policies: [(name: String, figures: PolicyFigures)]
        public var registered: String?
        public var jsonLine: String
    }

    /// A compact record of the simulated stream (all but the catalogue).
    private enum Recorded {
        case listen(UserID, Int64)
        case notification(NotificationEvent)
        case request(NotificationRequest)
    }

    /// Parses `sim:SEED` (the only data source with ground truth).
    public static func seed(fromData data: String) -> UInt64? {
        guard data.hasPrefix("sim:") else { return nil }
        return UInt64(data.dropFirst(4))
    }

    /// Simulates, trains (unless `predictor` is given), evaluates and replays.
    public static func run(
        _ options: Options, predictor given: TimingPredictor? = nil, emit: (String) -> Void
    ) throws -> Result {
        let started = ContinuousClock.now
        let simulator = try MusicSimulator(configuration: SimulationConfiguration(
            users: options.users, tracks: options.tracks, artists: max(10, options.tracks / 10), days: options.days,
            seed: options.seed))
        let truth = simulator.groundTruth
        let splitMs = simulator.configuration.startMs + Int64(options.days - options.testDays) * SimulationConfiguration.dayMs
        emit("simulating \(options.users) users × \(options.days) days (seed \(options.seed)); held out: the last \(options.testDays) days")

        var builder = TimingExampleBuilder()
        var recorded: [Recorded] = []
        var sendHistory = [[Int64]](repeating: [], count: options.users)
        var testRequests: [NotificationRequest] = []
        for event in simulator.makeEventStream() {
            switch event {
            case .listen(let listen):
                guard let user = truth.userIndex(of: listen.userID) else { continue }
                builder.listen(user: Int32(user), atMs: listen.timestampMs)
                recorded.append(.listen(listen.userID, listen.timestampMs))
            case .notification(let notification):
                guard let user = truth.userIndex(of: notification.userID) else { continue }
                let key = TimingFeatureState.notificationKey(notification.notificationID.rawValue)
                switch notification.action {
                case .sent:
                    let p = truth.openProbability(
                        userIndex: user, atMs: notification.timestampMs, recentSendTimesMs: sendHistory[user])
                    builder.sent(user: Int32(user), notificationKey: key, atMs: notification.timestampMs, truth: p)
                    sendHistory[user].append(notification.timestampMs)
                    sendHistory[user].removeAll { $0 < notification.timestampMs - 7 * SimulationConfiguration.dayMs }
                case .opened: builder.opened(user: Int32(user), notificationKey: key, atMs: notification.timestampMs)
                case .dismissed: builder.dismissed(user: Int32(user), notificationKey: key, atMs: notification.timestampMs)
                }
                recorded.append(.notification(notification))
            case .request(let request):
                if request.timestampMs >= splitMs { testRequests.append(request) }
                recorded.append(.request(request))
            case .track: break
            }
        }
        let examples = builder.examples
        let (train, test) = examples.split(atMs: splitMs)
        emit("examples: \(train.count) training sends, \(test.count) held-out sends (open rate \(format(mean(train.label))) / \(format(mean(test.label)))), \(recorded.count) events, \(format(seconds(since: started), 1)) s")

        // C-3PO.
        var predictor: TimingPredictor
        var epochs = 0
        if let given {
            predictor = given
            emit("predictor: given (\(given.layout.parameterCount) parameters)")
        } else {
            let times = train.timestampMs.sorted()
            let validationSplit = times[Int(Double(times.count) * 0.85)]
            let (fit, validation) = train.split(atMs: validationSplit)
            emit("training c3po on \(fit.count) sends, early stopping on \(validation.count) later ones (\(TimingPredictorConfiguration().layout.parameterCount) parameters, Adam lr \(options.trainer.learningRate), batch \(options.trainer.batchSize), seed \(options.trainer.seed), \(options.trainer.attentionPooling ? "attention" : "mean") pooling of the click sequence)")
            let trainer = TimingTrainer(options: options.trainer)
            (predictor, epochs) = trainer.train(fit, validation: validation) { progress in
                emit("epoch \(progress.epoch)/\(progress.epochs)  train log loss \(format(progress.trainLoss, 4))  validation log loss \(progress.validationLoss.map { format($0, 4) } ?? "-")  \(Int(progress.examplesPerSecond)) examples/s")
            }
        }
        let labels = test.label.map { $0 > 0.5 }
        let c3po = scores(predictor.predict(test).map(Double.init), labels)
        emit("c3po                 AUC \(format(c3po.auc, 4))  log loss \(format(c3po.logLoss, 4))  O/E \(format(c3po.observedOverExpected))")

        // Baselines, same run, same held-out sends.
        var baselines: [(String, Scores)] = []
        baselines.append(("global_hour", scores(globalHourRates(train: train, test: test), labels)))
        baselines.append(("user_hour", scores(userHourRates(all: examples, train: train, splitMs: splitMs), labels)))
        var regression = TimingLogisticRegression()
        var regressionOptions = TimingLogisticRegression.Options()
        regressionOptions.seed = options.trainer.seed
        regression.train(train, options: regressionOptions)
        baselines.append(("logistic_regression", scores(regression.predict(test).map(Double.init), labels)))
        baselines.append(("truth", scores(test.truth, labels)))
        for (name, score) in baselines {
            emit("\(name.padding(toLength: 20, withPad: " ", startingAt: 0)) AUC \(format(score.auc, 4))  log loss \(format(score.logLoss, 4))  O/E \(format(score.observedOverExpected))")
        }

        // Policy replay on the held-out requests.
        var timeZones: [UserID: Int] = [:]
        for profile in truth.users { timeZones[profile.userID] = profile.utcOffsetHours }
        let replay = C3POReplay(settings: options.stage, predictor: predictor, timeZones: timeZones)
        for event in recorded {
            switch event {
            case .listen(let user, let time): replay.listen(user: user, atMs: time)
            case .notification(let notification): replay.notification(notification)
            case .request(let request): replay.request(request, decide: request.timestampMs >= splitMs)
            }
        }
        replay.flush()
        let cap = options.stage.policy.dailyCap
        let immediate = testRequests.map {
            NotificationDecision(
                decisionID: "", requestID: $0.requestID, userID: $0.userID, notificationID: $0.notificationID,
                action: .send, sendAtMs: $0.timestampMs, pOpen: 0, model: "immediate", reason: "")
        }
        let policies: [(String, PolicyFigures)] = [
            ("c3po", figures(replay.c3poDecisions, requests: testRequests, truth: truth, cap: cap, settings: options.stage.policy)),
            ("rules", figures(replay.ruleDecisions, requests: testRequests, truth: truth, cap: cap, settings: options.stage.policy)),
            ("send_immediately", figures(immediate, requests: testRequests, truth: truth, cap: cap, settings: options.stage.policy)),
        ]
        for (name, policy) in policies {
            emit("policy \(name.padding(toLength: 17, withPad: " ", startingAt: 0)) \(policy.requests) requests: \(policy.sends) sent (\(policy.delayed) delayed), \(policy.suppressed) suppressed; expected opens \(format(policy.expectedOpens, 1)) (\(format(policy.opensPerSend)) per send); cap violations \(policy.capViolations), quiet-hour violations \(policy.quietHourViolations)")
        }

        // Save.
        let metrics = ["auc": c3po.auc, "logloss": c3po.logLoss, "oe": c3po.observedOverExpected]
        var registered: String?
        if given == nil, let path = options.registryPath {
            let store = try EncoreStore(path: path)
            let version = try TimingTraining.save(predictor, to: store, metrics: metrics, epochs: epochs)
            registered = "c3po@\(version)"
            emit("registered \(registered!) (promoted) in \(path)")
        }
        if given == nil, let path = options.savePath {
            try predictor.artifact(metrics: metrics, trainedEpochs: epochs, dataFingerprint: "sim:\(options.seed)", users: options.users)
                .write(to: path)
            emit("saved \(path)")
        }
        let json = jsonLine(c3po: c3po, baselines: baselines, policies: policies, train: train.count, test: test.count, epochs: epochs, registered: registered)
        return Result(
            trainExamples: train.count, testExamples: test.count, epochs: epochs, c3po: c3po,
            baselines: baselines.map { ($0.0, $0.1) }, policies: policies.map { ($0.0, $0.1) }, registered: registered,
            jsonLine: json)
    }

    // MARK: Baselines

    /// Open rate per UTC hour of the send in the training period, smoothed towards the mean.
    static func globalHourRates(train: TimingExamples, test: TimingExamples) -> [Double] {
        var opens = [Double](repeating: 0, count: 24), sends = [Double](repeating: 0, count: 24)
        for index in 0..<train.count {
            sends[Int(train.hour[index])] += 1
            opens[Int(train.hour[index])] += Double(train.label[index])
        }
        let prior = opens.reduce(0, +) / max(1, sends.reduce(0, +))
        let rates = (0..<24).map { (opens[$0] + 2 * prior) / (sends[$0] + 2) }
        return test.hour.map { rates[Int($0)] }
    }

    /// The user's own smoothed rate at the send's UTC hour from all earlier sends:
    /// (opens_uh + 2p̄) / (sends_uh + 2), p̄ the training period's open rate.
    static func userHourRates(all: TimingExamples, train: TimingExamples, splitMs: Int64) -> [Double] {
        let prior = mean(train.label)
        let order = (0..<all.count).sorted { (all.timestampMs[$0], $0) < (all.timestampMs[$1], $1) }
        var opens: [Int64: Double] = [:], sends: [Int64: Double] = [:]
        var result: [Double] = []
        for index in order {
            let key = Int64(all.userIndex[index]) * 24 + Int64(all.hour[index])
            if all.timestampMs[index] >= splitMs {
                result.append(((opens[key] ?? 0) + 2 * prior) / ((sends[key] ?? 0) + 2))
            }
            opens[key, default: 0] += Double(all.label[index])
            sends[key, default: 0] += 1
        }
        // `split` keeps the original order of the held-out examples, which is time order for the
        // simulator's stream; `order` sorts by (time, index), the same order.
        return result
    }

    static func scores(_ probabilities: [Double], _ labels: [Bool]) -> Scores {
        Scores(
            auc: BinaryClassificationMetrics.auc(scores: probabilities, labels: labels),
            logLoss: BinaryClassificationMetrics.logLoss(probabilities: probabilities, labels: labels),
            observedOverExpected: BinaryClassificationMetrics.observedOverExpected(probabilities: probabilities, labels: labels),
            deciles: BinaryClassificationMetrics.calibration(probabilities: probabilities, labels: labels))
    }

    // MARK: Policy scoring

    static func figures(
        _ decisions: [NotificationDecision], requests: [NotificationRequest], truth: GroundTruth, cap: Int,
        settings: TimingPolicy.Settings
    ) -> PolicyFigures {
        let quality = BaselineEvaluation.decisions(decisions, requests: requests, truth: truth, dailyCap: cap)
        let policy = TimingPolicy(settings: settings)
        var quiet = 0
        for decision in decisions where decision.action != .suppress {
            guard let sendAt = decision.sendAtMs, let profile = truth.profile(of: decision.userID) else { continue }
            if policy.isQuiet(sendAt, utcOffsetHours: profile.utcOffsetHours) { quiet += 1 }
        }
        return PolicyFigures(
            requests: requests.count, sends: quality.sends, delayed: quality.delayed, suppressed: quality.suppressed,
            expectedOpens: quality.expectedOpens, capViolations: quality.capViolations, quietHourViolations: quiet)
    }

    // MARK: Output

    static func jsonLine(
        c3po: Scores, baselines: [(String, Scores)], policies: [(String, PolicyFigures)], train: Int, test: Int,
        epochs: Int, registered: String?
    ) -> String {
        func number(_ value: Double) -> String { value.isFinite ? String(format: "%.6g", value) : "null" }
        func scoreObject(_ score: Scores) -> String {
            "{\"auc\":\(number(score.auc)),\"logloss\":\(number(score.logLoss)),\"oe\":\(number(score.observedOverExpected))}"
        }
        let deciles = c3po.deciles.map {
            "{\"n\":\($0.count),\"mean_p\":\(number($0.meanPredicted)),\"observed\":\(number($0.observedRate)),\"oe\":\(number($0.observedOverExpected))}"
        }.joined(separator: ",")
        let baselineText = baselines.map { "\"\($0.0)\":\(scoreObject($0.1))" }.joined(separator: ",")
        let policyText = policies.map { name, p in
            "\"\(name)\":{\"requests\":\(p.requests),\"sends\":\(p.sends),\"delayed\":\(p.delayed),\"suppressed\":\(p.suppressed),\"expected_opens\":\(number(p.expectedOpens)),\"opens_per_send\":\(number(p.opensPerSend)),\"cap_violations\":\(p.capViolations),\"quiet_hour_violations\":\(p.quietHourViolations)}"
        }.joined(separator: ",")
        return "{\"model\":\"c3po\",\"auc\":\(number(c3po.auc)),\"logloss\":\(number(c3po.logLoss)),"
            + "\"calibration\":{\"oe\":\(number(c3po.observedOverExpected)),\"deciles\":[\(deciles)]},"
            + "\"baselines\":{\(baselineText)},\"policy\":{\(policyText)},"
            + "\"examples\":{\"train\":\(train),\"test\":\(test)},\"epochs\":\(epochs)"
            + (registered.map { ",\"registered\":\"\($0)\"" } ?? "") + "}"
    }

    static func mean(_ values: [Float]) -> Double {
        values.isEmpty ? 0 : values.reduce(0.0) { $0 + Double($1) } / Double(values.count)
    }

    static func format(_ value: Double, _ digits: Int = 3) -> String { String(format: "%.\(digits)f", value) }

    static func seconds(since start: ContinuousClock.Instant) -> Double {
        let components = start.duration(to: .now).components
        return Double(components.seconds) + Double(components.attoseconds) / 1e18
    }
}
