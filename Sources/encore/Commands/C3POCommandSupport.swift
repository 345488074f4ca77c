import ArgumentParser
import EncoreBench
import Foundation

/// The C-3PO branch of `encore train` and `encore eval` (`--model c3po`).
///
/// Data: `sim:SEED` — a seeded simulation with ground truth (`--sim-users`, `--sim-days`, the
/// last `--test-days` held out). Train fits the predictor (at most `--epochs`, early stopping on
/// validation log loss), evaluates it beside the baselines, replays the held-out requests
/// through the policies, and registers it (`--registry STORE`, promoted) and/or saves it
/// (`--save FILE`). Eval loads the newest promoted (else newest) `c3po` of `--registry STORE`,
/// or the artifact file `--artifact FILE`, and evaluates it the same way.
struct C3POOptions: ParsableArguments {
    @Option(help: "c3po: simulated users (with --data sim:SEED).") var simUsers = 1000
    @Option(help: "c3po: simulated days.") var simDays = 21
    @Option(help: "c3po: the last N simulated days are the held-out period.") var testDays = 7
    @Flag(help: "c3po: mean pooling of the click sequence instead of attention (ablation).") var meanPooling = false

    func evaluationOptions(data: String) throws -> TimingEvaluation.Options {
        guard let seed = TimingEvaluation.seed(fromData: data) else {
            throw ValidationError("--model c3po takes --data sim:SEED (a seeded simulation with ground-truth p(open))")
        }
        guard simUsers > 0, simDays > testDays, testDays > 0 else {
            throw ValidationError("--sim-users must be positive and --sim-days > --test-days > 0")
        }
        var options = TimingEvaluation.Options()
        options.seed = seed
        options.users = simUsers
        options.days = simDays
        options.testDays = testDays
        options.attentionPooling = !meanPooling
        return options
    }

    static func emit(_ line: String) {
        print(line)
        fflush(nil)
    }
}

enum C3POCommand {
    static func train(data: String, epochs: Int, seed: UInt64, registry: String?, save: String?, options c3po: C3POOptions)
        throws
    {
        var options = try c3po.evaluationOptions(data: data)
        options.epochs = epochs
        options.trainingSeed = seed
        options.registryPath = registry
        options.savePath = save
        let result = try TimingEvaluation.run(options, emit: C3POOptions.emit)
        C3POOptions.emit(result.jsonLine)
    }

    static func evaluate(data: String, registry: String?, artifact: String?, options c3po: C3POOptions) throws {
        let options = try c3po.evaluationOptions(data: data)
        guard registry != nil || artifact != nil else {
            throw ValidationError("--model c3po needs --registry STORE or --artifact FILE")
        }
        let result = try TimingEvaluation.evaluateSaved(
            options, registryPath: registry, artifactPath: artifact, emit: C3POOptions.emit)
        C3POOptions.emit(result.jsonLine)
    }
}
