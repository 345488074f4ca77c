import Foundation

/// The pipeline definitions of a directory (`pipelines/*.yaml`), all validated.
public struct PipelineCatalog: Sendable {
    public var definitions: [PipelineDefinition]
    /// The file each definition came from, by pipeline name.
    public var files: [String: String]
    /// Where the definitions came from.
    public var origin: Origin = .files

    /// Where a catalog's definitions came from (for the start-up log).
    public enum Origin: Sendable, Equatable, CustomStringConvertible {
        /// A directory of `*.yaml` files.
        case directory(String)
        /// Files named one by one.
        case files
        /// ``builtInFiles``, compiled into the binary.
        case builtIn

        public var description: String {
            switch self {
            case .directory(let path): "directory \(path)"
            case .files: "files"
            case .builtIn: "built-in (no \(PipelineCatalog.defaultDirectory)/ in the working directory)"
            }
        }
    }

    /// The directory used when none is given: `pipelines`, relative to the working directory.
    public static let defaultDirectory = "pipelines"

    /// Reads and validates every `*.yaml` / `*.yml` file of `directory`.
    ///
    /// When `directory` is ``defaultDirectory`` and the working directory has no such directory,
    /// the built-in definitions (``builtIn()``) are used instead, so that the binary works from
    /// anywhere; any other missing directory is an error. A caller that took the default name from
    /// the user explicitly checks that it exists first.
    ///
    /// - Throws: ``ConfigurationError`` for a missing directory, the first invalid file, two
    ///   pipelines with the same name or consumer group, or an empty directory.
    public static func load(directory: String, registry: StageRegistry) throws(ConfigurationError) -> PipelineCatalog {
        var isDirectory: ObjCBool = false
        guard FileManager.default.fileExists(atPath: directory, isDirectory: &isDirectory) else {
            if directory == defaultDirectory { return try builtIn(registry: registry) }
            throw ConfigurationError(source: directory, field: "", message: "no such directory")
        }
        guard isDirectory.boolValue else {
            throw ConfigurationError(source: directory, field: "", message: "is not a directory")
        }
        let names: [String]
        do {
            names = try FileManager.default.contentsOfDirectory(atPath: directory)
                .filter { $0.hasSuffix(".yaml") || $0.hasSuffix(".yml") }.sorted()
        } catch {
            throw ConfigurationError(source: directory, field: "", message: "cannot list the directory")
        }
        if names.isEmpty { throw ConfigurationError(source: directory, field: "", message: "holds no pipeline definitions") }
        var catalog = try load(files: names.map { (directory as NSString).appendingPathComponent($0) }, registry: registry)
        catalog.origin = .directory(directory)
        return catalog
    }

    /// The built-in definitions (``builtInFiles``), validated like files; their sources read
    /// `built-in:music.yaml`.
    public static func builtIn(registry: StageRegistry) throws(ConfigurationError) -> PipelineCatalog {
        var catalog = try load(texts: builtInFiles.map { ("built-in:" + $0.name, $0.text) }, registry: registry)
        catalog.origin = .builtIn
        return catalog
    }

    /// Reads and validates the given files.
    public static func load(files: [String], registry: StageRegistry) throws(ConfigurationError) -> PipelineCatalog {
        var texts: [(source: String, text: String)] = []
        for file in files {
            guard let text = try? String(contentsOfFile: file, encoding: .utf8) else {
                throw ConfigurationError(source: file, field: "", message: "cannot be read")
            }
            texts.append((file, text))
        }
        return try load(texts: texts, registry: registry)
    }

    /// Validates definition texts, each named by its source (file path) in errors.
    static func load(
        texts: [(source: String, text: String)], registry: StageRegistry
    ) throws(ConfigurationError) -> PipelineCatalog {
        var catalog = PipelineCatalog(definitions: [], files: [:])
        for (file, text) in texts {
            let definition = try PipelineDefinition.parse(text, source: file, registry: registry)
            if let other = catalog.files[definition.name] {
                throw ConfigurationError(source: file, field: "name", message: "'\(definition.name)' is also defined in \(other)")
            }
            if let clash = catalog.definitions.first(where: { $0.consumerGroup == definition.consumerGroup }) {
                throw ConfigurationError(
                    source: file, field: "consumer_group",
                    message: "'\(definition.consumerGroup)' is also used by pipeline \(clash.name)"
                )
            }
            catalog.definitions.append(definition)
            catalog.files[definition.name] = file
        }
        return catalog
    }

    /// The definitions named in `enabled` (all when empty), in that order.
    public func selecting(_ enabled: [String]) throws(ConfigurationError) -> [PipelineDefinition] {
        if enabled.isEmpty { return definitions }
        var result: [PipelineDefinition] = []
        for name in enabled {
            guard let definition = definitions.first(where: { $0.name == name }) else {
                throw ConfigurationError(
                    source: "configuration", field: "pipelines.enabled",
                    message: "no pipeline named '\(name)'; defined: \(definitions.map(\.name).joined(separator: ", "))"
                )
            }
            result.append(definition)
        }
        return result
    }
}
