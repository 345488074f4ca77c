import Foundation

/// The pipeline definitions of a directory (`pipelines/*.yaml`), all validated.
public struct PipelineCatalog: Sendable {
    public var definitions: [PipelineDefinition]
    /// The file each definition came from, by pipeline name.
    public var files: [String: String]

    /// Reads and validates every `*.yaml` / `*.yml` file of `directory`.
    ///
    /// - Throws: ``ConfigurationError`` for the first invalid file, for two pipelines with the
    ///   same name or consumer group, or for an empty directory.
    public static func load(directory: String, registry: StageRegistry) throws(ConfigurationError) -> PipelineCatalog {
        let names: [String]
        do {
            names = try FileManager.default.contentsOfDirectory(atPath: directory)
                .filter { $0.hasSuffix(".yaml") || $0.hasSuffix(".yml") }.sorted()
        } catch {
            throw ConfigurationError(source: directory, field: "", message: "cannot list the directory: \(error)")
        }
        if names.isEmpty { throw ConfigurationError(source: directory, field: "", message: "holds no pipeline definitions") }
        return try load(files: names.map { (directory as NSString).appendingPathComponent($0) }, registry: registry)
    }

    /// Reads and validates the given files.
    public static func load(files: [String], registry: StageRegistry) throws(ConfigurationError) -> PipelineCatalog {
        var catalog = PipelineCatalog(definitions: [], files: [:])
        for file in files {
            guard let text = try? String(contentsOfFile: file, encoding: .utf8) else {
                throw ConfigurationError(source: file, field: "", message: "cannot be read")
            }
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
