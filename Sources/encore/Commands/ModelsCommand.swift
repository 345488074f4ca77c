import ArgumentParser
import EncoreApp
import EncoreServer
import EncoreStore
import Foundation

/// `encore models list|show|promote|rollback`: the model registry in the configured store.
struct ModelsCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "models",
        abstract: "List, inspect, promote and roll back model generations in the registry.",
        discussion: """
            The registry lives in the service's SQLite store (--store, store.path or $ENCORE_STORE_PATH). A generation \
            is NAME@VERSION; its status is candidate, promoted (serving) or retired. Promoting retires the generation \
            promoted before; rollback undoes the latest promotion and promotes the generation it replaced.
            """,
        subcommands: [List.self, Show.self, Promote.self, Rollback.self]
    )

    struct List: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "List every generation, newest first.")

        @Option(help: "Only generations of this model name.") var name: String?
        @OptionGroup var options: ServiceOptions

        func run() async throws {
            let entries = try openRegistry(options).list(name: name)
            guard !entries.isEmpty else {
                print("the registry holds no generations\(name.map { " of \($0)" } ?? "")")
                return
            }
            for summary in entries.map(GenerationSummary.init) {
                let metrics = summary.metrics.map { "\($0.name)=\(String(format: "%.4f", $0.value))" }
                print(
                    [
                        summary.reference.padding(
                            toLength: max(24, summary.reference.count), withPad: " ", startingAt: 0),
                        summary.status.rawValue.padding(toLength: 9, withPad: " ", startingAt: 0), utc(summary.createdMs),
                        metrics.joined(separator: " "),
                    ].joined(separator: "  "))
            }
        }
    }

    struct Show: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Show one generation: status, metrics, metadata and the promotion log.",
            discussion: "Without @VERSION: the promoted generation, or the newest when none is promoted."
        )

        @Argument(help: "NAME or NAME@VERSION.") var model: ModelReference
        @OptionGroup var options: ServiceOptions

        func run() async throws {
            let registry = try openRegistry(options)
            let version = try model.version ?? registry.promoted(name: model.name)?.version
            let entry = try registry.load(name: model.name, version: version).entry
            let summary = GenerationSummary(entry: entry)
            print(
                "\(summary.reference)  \(summary.status.rawValue)  created \(utc(summary.createdMs)) UTC  \(summary.floatCount) floats"
            )
            for metric in summary.metrics { print("  metric \(metric.name) = \(metric.value)") }
            for fact in summary.facts { print("  \(fact.name): \(fact.value)") }
            let promotions = try registry.promotions(name: model.name)
            if !promotions.isEmpty {
                print("promotions of \(model.name), newest first:")
                for promotion in promotions {
                    let undone = promotion.rolledBackMs.map { ", rolled back \(utc($0))" } ?? ""
                    print("  @\(promotion.version) promoted \(utc(promotion.promotedMs))\(undone)")
                }
            }
            print("metadata: \(entry.metadataJSON)")
        }
    }

    struct Promote: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Promote NAME@VERSION; the generation promoted before is retired."
        )

        @Argument(help: "NAME@VERSION.") var model: ModelReference
        @OptionGroup var options: ServiceOptions

        func validate() throws {
            guard model.version != nil else { throw ValidationError("promote needs NAME@VERSION, got '\(model)'") }
        }

        func run() async throws {
            let version = model.version!
            let previous = try openRegistry(options).promote(name: model.name, version: version, atMs: nowMs())
            if previous == version {
                print("\(model) is already promoted")
            } else {
                print("promoted \(model)" + (previous.map { " (\(model.name)@\($0) retired)" } ?? ""))
            }
        }
    }

    struct Rollback: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Undo the latest promotion of NAME: promote again the generation it replaced."
        )

        @Argument(help: "Model name (no version).") var name: String
        @OptionGroup var options: ServiceOptions

        func validate() throws {
            if name.contains("@") {
                throw ValidationError("rollback takes a model name without @VERSION, got '\(name)'")
            }
        }

        func run() async throws {
            let (from, to) = try openRegistry(options).rollback(name: name, atMs: nowMs())
            print("rolled back \(name): @\(from) retired, @\(to) promoted")
        }
    }
}

/// `NAME` or `NAME@VERSION` on the command line.
struct ModelReference: ExpressibleByArgument, CustomStringConvertible, Equatable {
    var name: String
    var version: Int?

    init(name: String, version: Int?) {
        self.name = name
        self.version = version
    }

    init?(argument: String) {
        let parts = argument.split(separator: "@", omittingEmptySubsequences: false)
        guard (1...2).contains(parts.count), !parts[0].isEmpty else { return nil }
        name = String(parts[0])
        if parts.count == 2 {
            guard let version = Int(parts[1]), version > 0 else { return nil }
            self.version = version
        }
    }

    var description: String { version.map { "\(name)@\($0)" } ?? name }
}

/// The registry of the configured store; the file must exist (listing a typo'd path would
/// otherwise create an empty store).
private func openRegistry(_ options: ServiceOptions) throws -> ModelRegistry {
    let configuration = try options.resolve()
    if let path = configuration.storePath, !FileManager.default.fileExists(atPath: path) {
        throw ValidationError("no store at \(path) (pass --store PATH or set store.path)")
    }
    return ModelRegistry(store: try EncoreStore(path: configuration.storePath))
}

private func nowMs() -> Int64 { Int64((Date().timeIntervalSince1970 * 1000).rounded()) }

private func utc(_ ms: Int64) -> String {
    let formatter = DateFormatter()
    formatter.locale = Locale(identifier: "en_US_POSIX")
    formatter.timeZone = TimeZone(identifier: "UTC")
    formatter.dateFormat = "yyyy-MM-dd HH:mm:ss"
    return formatter.string(from: Date(timeIntervalSince1970: Double(ms) / 1000))
}
