import Foundation

/// A self-describing saved model: metadata JSON plus one Float32 blob.
///
/// The store persists it as (metadata TEXT, blob BLOB); `--save PATH` writes it to a file.
/// The metadata always has at least the keys of ``ModelArtifactHeader`` (model name, format
/// version, created, data fingerprint, metrics) plus the model's hyperparameters and the
/// layout of the blob.
///
/// File layout (little-endian):
/// ```
/// "ENCOREMA" | UInt32 version = 1 | UInt32 0 | UInt64 json bytes | json UTF-8 | UInt64 floats | Float32…
/// ```
public struct ModelArtifact: Sendable, Equatable {
    /// The metadata, a JSON object.
    public var metadataJSON: String
    /// All parameters, in the layout the metadata describes.
    public var blob: [Float]

    /// Creates an artifact.
    public init(metadataJSON: String, blob: [Float]) {
        self.metadataJSON = metadataJSON
        self.blob = blob
    }

    static let magic = Array("ENCOREMA".utf8)

    /// Decodes the common header fields of the metadata.
    ///
    /// - Throws: ``ModelError`` with code `.corruptArtifact` for malformed JSON.
    public func header() throws -> ModelArtifactHeader {
        do {
            return try JSONDecoder().decode(ModelArtifactHeader.self, from: Data(metadataJSON.utf8))
        } catch {
            throw ModelError(.corruptArtifact, "metadata is not a model header", underlying: error)
        }
    }

    /// Serialises the artifact to bytes (the file layout above).
    public func serialized() -> Data {
        var data = Data()
        let json = Data(metadataJSON.utf8)
        data.reserveCapacity(32 + json.count + blob.count * 4)
        data.append(contentsOf: Self.magic)
        func append<T: FixedWidthInteger>(_ value: T) {
            withUnsafeBytes(of: value.littleEndian) { data.append(contentsOf: $0) }
        }
        append(UInt32(1))
        append(UInt32(0))
        append(UInt64(json.count))
        data.append(json)
        append(UInt64(blob.count))
        #if _endian(little)
            blob.withUnsafeBytes { data.append(contentsOf: $0) }
        #else
            for value in blob { append(value.bitPattern) }
        #endif
        return data
    }

    /// Parses bytes written by ``serialized()``.
    ///
    /// - Throws: ``ModelError`` with code `.corruptArtifact` if the bytes are not an artifact.
    public init(serialized data: Data) throws {
        let bytes = [UInt8](data)
        var position = 0
        func read<T: FixedWidthInteger>(_: T.Type) throws -> T {
            let size = MemoryLayout<T>.size
            guard position + size <= bytes.count else {
                throw ModelError(.corruptArtifact, "artifact truncated at byte \(position)")
            }
            var value: T = 0
            for i in 0..<size { value |= T(bytes[position + i]) << (8 * i) }
            position += size
            return value
        }
        guard bytes.count >= 8, Array(bytes[0..<8]) == Self.magic else {
            throw ModelError(.corruptArtifact, "not an Encore model artifact (bad magic)")
        }
        position = 8
        let version = try read(UInt32.self)
        guard version == 1 else {
            throw ModelError(.incompatibleArtifact, "artifact file version \(version), expected 1")
        }
        _ = try read(UInt32.self)
        let jsonCount = Int(try read(UInt64.self))
        guard jsonCount <= bytes.count - position else {
            throw ModelError(.corruptArtifact, "metadata length exceeds file")
        }
        guard let json = String(bytes: bytes[position..<(position + jsonCount)], encoding: .utf8) else {
            throw ModelError(.corruptArtifact, "metadata is not UTF-8")
        }
        position += jsonCount
        let floatCount = Int(try read(UInt64.self))
        guard floatCount * 4 == bytes.count - position else {
            throw ModelError(
                .corruptArtifact, "blob has \(bytes.count - position) bytes, header says \(floatCount) floats")
        }
        let start = position
        let blob = [Float](unsafeUninitializedCapacity: floatCount) { buffer, count in
            for i in 0..<floatCount {
                var bits: UInt32 = 0
                for b in 0..<4 { bits |= UInt32(bytes[start + 4 * i + b]) << (8 * b) }
                buffer[i] = Float(bitPattern: bits)
            }
            count = floatCount
        }
        self.init(metadataJSON: json, blob: blob)
    }

    /// Writes the artifact to a file (atomically).
    ///
    /// - Throws: ``ModelError`` with code `.io`.
    public func write(to path: String) throws {
        do {
            try serialized().write(to: URL(fileURLWithPath: path), options: .atomic)
        } catch {
            throw ModelError(.io, "cannot write \(path)", underlying: error)
        }
    }

    /// Reads an artifact file.
    ///
    /// - Throws: ``ModelError`` with code `.io` or `.corruptArtifact`.
    public init(contentsOf path: String) throws {
        let data: Data
        do {
            data = try Data(contentsOf: URL(fileURLWithPath: path))
        } catch {
            throw ModelError(.io, "cannot read \(path)", underlying: error)
        }
        try self.init(serialized: data)
    }
}

/// The metadata fields every artifact carries, whatever the model.
public struct ModelArtifactHeader: Codable, Sendable, Equatable {
    /// The model's ``BatchRecommender/modelName`` (e.g. `lightgcn`).
    public var modelName: String
    /// The model's own format version for the blob layout.
    public var formatVersion: Int
    /// Creation time, ISO 8601.
    public var created: String
    /// ``EncoreNumerics/SparseMatrix/fingerprint()`` of the training interactions.
    public var dataFingerprint: String
    /// Number of users.
    public var userCount: Int
    /// Number of items.
    public var itemCount: Int
    /// Evaluation metrics recorded at save time (e.g. `recall@20`).
    public var metrics: [String: Double]
}
