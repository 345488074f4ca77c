/// The stage types a pipeline YAML may name, by ``StageDefinition/typeName``.
///
/// A value, not a global: the composition root builds the standard one (`StageRegistry.standard`
/// in EncoreStages) and passes it to ``PipelineDefinition/parse(_:source:registry:)`` and
/// ``PipelineCatalog``; a test adds its own stage type with one ``register(_:)`` line.
public struct StageRegistry: Sendable {
    private var parsers: [String: @Sendable (YAMLField) throws -> any StageDefinition] = [:]
    private var order: [String] = []

    public init() {}

    /// Registers a stage type under its ``StageDefinition/typeName`` (a later registration of
    /// the same name replaces the earlier one).
    public mutating func register<Definition: StageDefinition>(_ type: Definition.Type) {
        if parsers[Definition.typeName] == nil { order.append(Definition.typeName) }
        parsers[Definition.typeName] = { field in try Definition.parse(field) }
    }

    /// The same registry with one more stage type.
    public func registering<Definition: StageDefinition>(_ type: Definition.Type) -> StageRegistry {
        var copy = self
        copy.register(type)
        return copy
    }

    /// The registered type names, in registration order.
    public var typeNames: [String] { order }

    /// Parses one entry of a pipeline's `stages:` list by its `type`.
    public func parse(_ field: YAMLField) throws(ConfigurationError) -> any StageDefinition {
        let type = try field["type"].string()
        guard let parser = parsers[type] else {
            throw field["type"].error("unknown stage type '\(type)'; known: \(order.joined(separator: ", "))")
        }
        // (Stored untyped: a typed-throws closure in a dictionary crashes Swift 6.3's SILGen.)
        do {
            return try parser(field)
        } catch let error as ConfigurationError {
            throw error
        } catch {
            throw field.error("\(error)")
        }
    }
}
