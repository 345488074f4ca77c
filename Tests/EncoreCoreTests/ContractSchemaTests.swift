import EncoreCore
import Foundation
import Testing

/// The JSON Schemas in `schemas/` agree with the code they describe.
///
/// Every file of the corpus under `Fixtures/contract/<topic>/` goes through the real decoder and,
/// in one `python3 schemas/validate.py` run per topic, through a real JSON Schema validator
/// (Python's `jsonschema`). The file's name says what both must conclude:
/// - `valid-*`: the decoder accepts it and so does the schema;
/// - `invalid-*`: both reject it;
/// - `beyond-schema-*`: the decoder rejects it for a rule JSON Schema cannot express (an integer
///   written `1.0`, a lone surrogate escape, nesting deeper than 64, a duplicate member, more
///   than 64 KiB), so the schema accepts it; `schemas/README.md` lists these rules;
/// - `lenient-decoder-*`: the contract forbids it and the schema rejects it, but the decoder
///   accepts it today (a known decoder gap, listed in `schemas/README.md`); rename the file to
///   `invalid-*` once the decoder rejects it.
///
/// Outputs written by the real encoder must pass their schemas, and mangled copies must not.
/// A missing `python3` or `jsonschema` fails the suite: it never skips.
@Suite(.timeLimit(.minutes(2))) struct ContractSchemaTests {
    static let packageRoot = URL(fileURLWithPath: #filePath)
        .deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
    static let corpusDirectory = URL(fileURLWithPath: #filePath).deletingLastPathComponent()
        .appendingPathComponent("Fixtures/contract")
    static let schemaDirectory = packageRoot.appendingPathComponent("schemas")

    // MARK: Inputs

    @Test(arguments: EncoreTopic.inputs)
    func decoderAndSchemaAgreeOnTheCorpus(topic: EncoreTopic) throws {
        let directory = Self.corpusDirectory.appendingPathComponent(topic.rawValue)
        var files = try FileManager.default.contentsOfDirectory(at: directory, includingPropertiesForKeys: nil)
            .filter { $0.pathExtension == "json" }
            .sorted { $0.lastPathComponent < $1.lastPathComponent }
        #expect(files.contains { $0.lastPathComponent.hasPrefix("valid-") }, "no valid-* case for \(topic.rawValue)")
        #expect(
            files.contains { $0.lastPathComponent.hasPrefix("invalid-") }, "no invalid-* case for \(topic.rawValue)")

        // The 64 KiB limit, at the boundary: the minimal valid event padded with spaces.
        let scratch = try ScratchDirectory()
        defer { scratch.remove() }
        let minimal = try #require(files.first { $0.lastPathComponent.hasPrefix("valid-minimal") })
        for (name, size) in [
            ("valid-padded-to-64-kib", EventDecoder.maximumMessageBytes),
            ("beyond-schema-padded-over-64-kib", EventDecoder.maximumMessageBytes + 1),
        ] {
            files.append(
                try scratch.write(Self.padded(try Self.contents(of: minimal), to: size), named: "\(name).json"))
        }

        let verdicts = try SchemaValidator.run(schema: Self.schema(for: topic), files: files)
        for file in files {
            let name = file.lastPathComponent
            let expected = try #require(
                Expectation(fileName: name),
                "\(name) must start with valid-, invalid-, beyond-schema- or lenient-decoder-")
            let rejection = Self.decode(try Self.contents(of: file), topic: topic)
            let verdict = try #require(verdicts[file.path], "validate.py gave no verdict for \(name)")
            #expect(
                (rejection == nil) == expected.decoderAccepts,
                "\(topic.rawValue)/\(name): decoder \(rejection.map { "rejects it (\($0))" } ?? "accepts it")"
            )
            #expect(
                verdict.isValid == expected.schemaAccepts,
                "\(topic.rawValue)/\(name): schema \(verdict.isValid ? "accepts it" : "rejects it (\(verdict.reason))")"
            )
        }
    }

    @Test(arguments: EncoreTopic.inputs)
    func decoderAcceptsTheSchemaExamples(topic: EncoreTopic) throws {
        let schema = try JSONSerialization.jsonObject(with: Data(contentsOf: Self.schema(for: topic)))
        let examples = try #require(
            (schema as? [String: Any])?["examples"] as? [Any], "\(topic.rawValue) has no examples")
        #expect(!examples.isEmpty)
        for example in examples {
            let bytes = [UInt8](try JSONSerialization.data(withJSONObject: example))
            let rejection = Self.decode(bytes, topic: topic)
            #expect(
                rejection == nil,
                "\(topic.rawValue) example \(String(decoding: bytes, as: UTF8.self)): \(String(describing: rejection))")
        }
    }

    // MARK: Outputs

    @Test func encodedRecommendationsMatchTheirSchema() throws {
        let recommendation = Recommendation(
            userID: UserID("u1"), timestampMs: 1_767_571_200_000, model: "rnn@3",
            items: [
                ScoredTrack(trackID: TrackID("t9"), score: 0.912345), ScoredTrack(trackID: TrackID("t4"), score: 12),
                ScoredTrack(trackID: TrackID("t5"), score: -0.25), ScoredTrack(trackID: TrackID("t6"), score: 3.5e-7),
                ScoredTrack(trackID: TrackID("Bj\u{f6}rk \"live\""), score: 2.5e14),
            ],
            reason: "next up after your recent plays"
        )
        let empty = Recommendation(
            userID: UserID("u2"), timestampMs: 0, model: "popularity@1", items: [],
            reason: "popular recently, excluding your last plays"
        )
        let text = String(decoding: EventEncoder.encode(recommendation), as: UTF8.self)
        try Self.expectOutputs(
            topic: .recommendations,
            [
                "valid-recommendation": Array(text.utf8),
                "valid-recommendation-without-items": EventEncoder.encode(empty),
                "invalid-user-id-number": try Self.mangle(text, "\"user_id\":\"u1\"", "\"user_id\":1"),
                "invalid-ts-ms-string": try Self.mangle(text, "\"ts_ms\":1767571200000", "\"ts_ms\":\"1767571200000\""),
                "invalid-model-missing": try Self.mangle(text, "\"model\":", "\"modle\":"),
                "invalid-item-without-score": try Self.mangle(text, ",\"score\":12}", "}"),
                "invalid-items-object": try Self.mangle(text, "\"items\":[", "\"items\":{\"0\":["),
            ])
    }

    @Test func encodedNotificationDecisionsMatchTheirSchema() throws {
        func decision(_ action: DecisionAction, sendAtMs: Int64?) -> NotificationDecision {
            NotificationDecision(
                decisionID: StableHash.hex("decision", "r-\(action.rawValue)"),
                requestID: RequestID("r-\(action.rawValue)"),
                userID: UserID("u1"), notificationID: NotificationID("n42"), action: action, sendAtMs: sendAtMs,
                pOpen: 0.3125, model: action == .suppress ? "rules@1" : "c3po@2", reason: "\(action.rawValue): test"
            )
        }
        let delay = String(decoding: EventEncoder.encode(decision(.delay, sendAtMs: 1_767_607_200_000)), as: UTF8.self)
        let suppress = String(decoding: EventEncoder.encode(decision(.suppress, sendAtMs: nil)), as: UTF8.self)
        try Self.expectOutputs(
            topic: .notificationDecisions,
            [
                "valid-send": EventEncoder.encode(decision(.send, sendAtMs: 1_767_571_200_000)),
                "valid-delay": Array(delay.utf8),
                "valid-suppress": Array(suppress.utf8),
                "invalid-delay-without-send-at": EventEncoder.encode(decision(.delay, sendAtMs: nil)),
                "invalid-suppress-with-send-at": EventEncoder.encode(decision(.suppress, sendAtMs: 1_767_571_200_000)),
                "invalid-action-unknown": try Self.mangle(delay, "\"action\":\"delay\"", "\"action\":\"later\""),
                "invalid-decision-id-not-hex": try Self.mangle(suppress, "\"decision_id\":\"", "\"decision_id\":\"x"),
                "invalid-p-open-above-one": try Self.mangle(delay, "\"p_open\":0.3125", "\"p_open\":1.5"),
                "invalid-send-at-fraction": try Self.mangle(
                    delay, "\"send_at_ms\":1767607200000", "\"send_at_ms\":1767607200000.5"),
            ])
    }

    @Test func encodedItemEmbeddingsMatchTheirSchema() throws {
        let embedding = ItemEmbedding(
            trackID: TrackID("t9"), model: "lightgcn@4", vector: [0.012345, -0.5, 1, 1.25e-7, -3.0e20, 0])
        let text = String(decoding: EventEncoder.encode(embedding), as: UTF8.self)
        try Self.expectOutputs(
            topic: .itemEmbeddings,
            [
                "valid-embedding": Array(text.utf8),
                "valid-embedding-with-non-finite-element": EventEncoder.encode(
                    ItemEmbedding(trackID: TrackID("t9"), model: "lightgcn@4", vector: [0.5, .nan])),
                "invalid-vector-string-element": try Self.mangle(text, "\"vector\":[", "\"vector\":[\"0.1\","),
                "invalid-vector-missing": try Self.mangle(text, "\"vector\":", "\"vectors\":"),
                "invalid-track-id-number": try Self.mangle(text, "\"track_id\":\"t9\"", "\"track_id\":9"),
            ])
    }

    // MARK: Helpers

    /// What the decoder and the schema must conclude about a corpus file, from its name.
    struct Expectation {
        var decoderAccepts: Bool
        var schemaAccepts: Bool

        init?(fileName: String) {
            if fileName.hasPrefix("valid-") {
                (decoderAccepts, schemaAccepts) = (true, true)
            } else if fileName.hasPrefix("invalid-") {
                (decoderAccepts, schemaAccepts) = (false, false)
            } else if fileName.hasPrefix("beyond-schema-") {
                (decoderAccepts, schemaAccepts) = (false, true)
            } else if fileName.hasPrefix("lenient-decoder-") {
                (decoderAccepts, schemaAccepts) = (true, false)
            } else {
                return nil
            }
        }
    }

    static func schema(for topic: EncoreTopic) -> URL {
        schemaDirectory.appendingPathComponent("\(topic.rawValue).schema.json")
    }

    static func contents(of file: URL) throws -> [UInt8] { [UInt8](try Data(contentsOf: file)) }

    /// The real decoder's verdict: `nil` if it accepts the bytes.
    static func decode(_ bytes: [UInt8], topic: EncoreTopic) -> EventRejection? {
        do throws(EventRejection) {
            switch topic {
            case .listens: _ = try EventDecoder.listen(bytes)
            case .notificationEvents: _ = try EventDecoder.notificationEvent(bytes)
            case .notificationRequests: _ = try EventDecoder.notificationRequest(bytes)
            case .tracks: _ = try EventDecoder.trackMetadata(bytes)
            default: return EventRejection(.invalidValue("topic"), detail: "\(topic.rawValue) is not an input topic")
            }
            return nil
        } catch {
            return error
        }
    }

    /// `bytes` (a JSON object) with spaces before its closing brace, `size` bytes in all.
    static func padded(_ bytes: [UInt8], to size: Int) -> [UInt8] {
        var trimmed = bytes
        while let last = trimmed.last, last != UInt8(ascii: "}") { trimmed.removeLast() }
        precondition(!trimmed.isEmpty && trimmed.count <= size, "cannot pad to \(size) bytes")
        trimmed.removeLast()
        return trimmed + [UInt8](repeating: UInt8(ascii: " "), count: size - trimmed.count - 1) + [UInt8(ascii: "}")]
    }

    /// `text` with its single occurrence of `target` replaced.
    static func mangle(_ text: String, _ target: String, _ replacement: String) throws -> [UInt8] {
        let parts = text.components(separatedBy: target)
        try #require(parts.count == 2, "expected one \(target) in \(text)")
        return Array(parts.joined(separator: replacement).utf8)
    }

    /// Validates encoded outputs against `topic`'s schema; names say `valid-` or `invalid-`.
    static func expectOutputs(topic: EncoreTopic, _ messages: [String: [UInt8]]) throws {
        let scratch = try ScratchDirectory()
        defer { scratch.remove() }
        var files: [String: URL] = [:]
        for (name, bytes) in messages { files[name] = try scratch.write(bytes, named: "\(name).json") }
        let verdicts = try SchemaValidator.run(schema: schema(for: topic), files: Array(files.values))
        for (name, file) in files.sorted(by: { $0.key < $1.key }) {
            let verdict = try #require(verdicts[file.path], "validate.py gave no verdict for \(name)")
            let text = String(decoding: messages[name] ?? [], as: UTF8.self)
            #expect(
                verdict.isValid == name.hasPrefix("valid-"),
                "\(topic.rawValue) \(name) \(text): schema \(verdict.isValid ? "accepts" : "rejects (\(verdict.reason))")"
            )
        }
    }
}

/// Runs `python3 schemas/validate.py` (Python's `jsonschema`) once over many files.
enum SchemaValidator {
    struct Verdict {
        var isValid: Bool
        var reason: String
    }

    /// One verdict per file path. Fails (never skips) when python3 or jsonschema is missing.
    static func run(schema: URL, files: [URL]) throws -> [String: Verdict] {
        let script = ContractSchemaTests.schemaDirectory.appendingPathComponent("validate.py")
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        process.arguments = ["python3", script.path, schema.path] + files.map(\.path)
        let output = Pipe()
        let errors = Pipe()
        process.standardOutput = output
        process.standardError = errors
        try process.run()
        let stdout = output.fileHandleForReading.readDataToEndOfFile()
        let stderr = String(decoding: errors.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
        process.waitUntilExit()
        let status = process.terminationStatus
        try #require(
            status != 127,
            "python3 is not on PATH; the contract tests need it (and its jsonschema package: .ci/install-deps)")
        try #require(status == 0 || status == 1, "validate.py could not run (exit \(status)): \(stderr)")
        var verdicts: [String: Verdict] = [:]
        for line in String(decoding: stdout, as: UTF8.self).split(separator: "\n") {
            let fields = line.split(separator: "\t", maxSplits: 2, omittingEmptySubsequences: false).map(String.init)
            guard fields.count >= 2 else { continue }
            verdicts[fields[1]] = Verdict(isValid: fields[0] == "valid", reason: fields.count > 2 ? fields[2] : "")
        }
        return verdicts
    }
}

/// A temporary directory; the caller removes it (`defer { scratch.remove() }`).
struct ScratchDirectory {
    let url: URL

    init() throws {
        url = FileManager.default.temporaryDirectory.appendingPathComponent("encore-contract-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: url, withIntermediateDirectories: true)
    }

    func remove() { try? FileManager.default.removeItem(at: url) }

    func write(_ bytes: [UInt8], named name: String) throws -> URL {
        let file = url.appendingPathComponent(name)
        try Data(bytes).write(to: file)
        return file
    }
}
