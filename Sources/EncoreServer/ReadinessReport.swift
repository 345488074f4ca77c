import EncorePipeline

/// The answer of `/health/ready`: every check with its verdict; ready only when all pass.
///
/// The checks: `model` (a model generation is loaded and serving), `store` (SQLite answers a
/// read), `partitions` (every pipeline is running and has partitions assigned) and `lag` (the
/// summed consumer lag is known to be under the threshold, or unknown because a batch is being
/// processed).
public struct ReadinessReport: Sendable, Equatable, Codable {
    /// One named check.
    public struct Check: Sendable, Equatable, Codable {
        public var name: String
        public var ok: Bool
        public var detail: String

        public init(name: String, ok: Bool, detail: String) {
            self.name = name
            self.ok = ok
            self.detail = detail
        }
    }

    public var ready: Bool
    public var checks: [Check]
    /// Names of the checks that failed (empty when ready).
    public var failed: [String]

    public init(checks: [Check]) {
        self.checks = checks
        failed = checks.filter { !$0.ok }.map(\.name)
        ready = failed.isEmpty
    }

    /// Evaluates readiness from the live facts.
    ///
    /// - Parameters:
    ///   - pipelines: the status of every pipeline of the service.
    ///   - store: `nil` when the store answered, else what went wrong.
    ///   - model: the model check (see ``ServerDependencies/modelCheck``).
    ///   - maximumLag: the lag above which the service is not ready.
    public static func evaluate(
        pipelines: [PipelineStatus], store: String?, model: Check, maximumLag: Int64
    ) -> ReadinessReport {
        var checks = [model]
        checks.append(Check(name: "store", ok: store == nil, detail: store ?? "answering"))
        let notRunning = pipelines.filter { $0.state != .running }
        let unassigned = pipelines.filter { $0.state == .running && $0.assignedPartitions == 0 }
        if pipelines.isEmpty {
            checks.append(Check(name: "partitions", ok: false, detail: "no pipelines"))
        } else if !notRunning.isEmpty {
            let states = notRunning.map { "\($0.pipeline) is \($0.state.rawValue)" }
            checks.append(Check(name: "partitions", ok: false, detail: states.joined(separator: ", ")))
        } else if !unassigned.isEmpty {
            let names = unassigned.map(\.pipeline).joined(separator: ", ")
            checks.append(Check(name: "partitions", ok: false, detail: "no partitions assigned to \(names)"))
        } else {
            let assigned = pipelines.map(\.assignedPartitions).reduce(0, +)
            checks.append(Check(name: "partitions", ok: true, detail: "\(assigned) assigned"))
        }
        let known = pipelines.compactMap(\.lag)
        let lag = known.reduce(0, +)
        if known.isEmpty {
            checks.append(Check(name: "lag", ok: true, detail: "unknown while batches are in flight"))
        } else {
            checks.append(
                Check(
                    name: "lag", ok: lag <= maximumLag,
                    detail: "\(lag) records behind (threshold \(maximumLag))"
                ))
        }
        return ReadinessReport(checks: checks)
    }
}
