import Foundation

/// Reads interaction data sets from the file formats Encore meets.
///
/// - LightGCN text (`train.txt`, `test.txt`): lines `user item item …`, 0-based ids.
/// - Tab-separated triples (`train.tsv`, `test.tsv`): `user<TAB>item[<TAB>count]`, ids 1-based
///   by default (the shared Last.fm split), shifted to 0-based.
/// - RecBole atomic `.inter` file: header `user_id:token  item_id:token  …  timestamp:float`,
///   tokens mapped to dense indices in order of first appearance, then split per user.
public enum DatasetLoader {
    /// The formats ``load(directory:format:split:)`` understands.
    public enum Format: String, Sendable, CaseIterable {
        /// `train.txt` / `test.txt`, `user item item …`, 0-based.
        case lightgcn
        /// `train.tsv` / `test.tsv`, `user<TAB>item<TAB>count`, 1-based.
        case tsv
        /// One RecBole `.inter` file, split with an ``InteractionSplitter``.
        case recbole
    }

    /// Loads a data set from a directory (or, for RecBole, a directory holding one `.inter`
    /// file or the file itself).
    ///
    /// - Parameters:
    ///   - directory: Where the files are.
    ///   - format: The file format.
    ///   - split: How RecBole interactions are split (ignored for pre-split formats).
    /// - Throws: ``EvaluationError`` for missing files or malformed lines.
    public static func load(
        directory: String, format: Format, split: InteractionSplitter = InteractionSplitter(order: .temporal)
    ) throws -> InteractionDataset {
        switch format {
        case .lightgcn:
            return try lightGCN(directory: directory)
        case .tsv:
            return try tabSeparated(directory: directory)
        case .recbole:
            var isDirectory: ObjCBool = false
            var path = directory
            if FileManager.default.fileExists(atPath: directory, isDirectory: &isDirectory), isDirectory.boolValue {
                let names = (try? FileManager.default.contentsOfDirectory(atPath: directory)) ?? []
                guard let name = names.sorted().first(where: { $0.hasSuffix(".inter") }) else {
                    throw EvaluationError(.unreadableFile, "no .inter file in \(directory)")
                }
                path = (directory as NSString).appendingPathComponent(name)
            }
            let (interactions, users, items) = try recBoleInteractions(file: path)
            return try split.split(interactions, userCount: users, itemCount: items)
        }
    }

    /// Guesses the format from the files present in a directory.
    public static func detectFormat(directory: String) -> Format? {
        let names = Set((try? FileManager.default.contentsOfDirectory(atPath: directory)) ?? [])
        if names.contains("train.txt") { return .lightgcn }
        if names.contains("train.tsv") { return .tsv }
        if names.contains(where: { $0.hasSuffix(".inter") }) || directory.hasSuffix(".inter") { return .recbole }
        return nil
    }

    /// Reads the LightGCN reference format.
    public static func lightGCN(directory: String) throws -> InteractionDataset {
        let train = try adjacencyLines(path: (directory as NSString).appendingPathComponent("train.txt"))
        let test = try adjacencyLines(path: (directory as NSString).appendingPathComponent("test.txt"))
        return try dataset(train: train, test: test)
    }

    /// Reads tab-separated `user item [count]` triples from `train.tsv` and `test.tsv`.
    ///
    /// - Parameter idBase: The smallest id in the files (1 for the shared Last.fm split).
    public static func tabSeparated(directory: String, idBase: Int32 = 1) throws -> InteractionDataset {
        let train = try triples(path: (directory as NSString).appendingPathComponent("train.tsv"), idBase: idBase)
        let test = try triples(path: (directory as NSString).appendingPathComponent("test.tsv"), idBase: idBase)
        return try dataset(train: train, test: test)
    }

    /// Reads a RecBole atomic `.inter` file into interactions with dense indices.
    ///
    /// - Returns: The interactions, the number of distinct users and of distinct items.
    public static func recBoleInteractions(file: String) throws -> ([Interaction], Int, Int) {
        let lines = try readLines(file)
        guard let header = lines.first else { throw EvaluationError(.malformedInput, "\(file) is empty") }
        let fields = header.split(separator: "\t").map { String($0.split(separator: ":").first ?? "") }
        guard let userColumn = fields.firstIndex(of: "user_id"), let itemColumn = fields.firstIndex(of: "item_id")
        else {
            throw EvaluationError(.malformedInput, "\(file): header needs user_id and item_id, has \(fields)")
        }
        let timeColumn = fields.firstIndex(of: "timestamp")
        var userIndex = [Substring: Int32](), itemIndex = [Substring: Int32]()
        var interactions = [Interaction]()
        interactions.reserveCapacity(lines.count)
        for (number, line) in lines.enumerated().dropFirst() where !line.isEmpty {
            let parts = line.split(separator: "\t", omittingEmptySubsequences: false)
            guard parts.count > max(userColumn, itemColumn, timeColumn ?? 0) else {
                throw EvaluationError(.malformedInput, "\(file):\(number + 1): expected \(fields.count) fields")
            }
            let u =
                userIndex[parts[userColumn]]
                ?? {
                    let v = Int32(userIndex.count); userIndex[parts[userColumn]] = v; return v
                }()
            let i =
                itemIndex[parts[itemColumn]]
                ?? {
                    let v = Int32(itemIndex.count); itemIndex[parts[itemColumn]] = v; return v
                }()
            var time: Int64 = 0
            if let timeColumn {
                guard let t = Double(parts[timeColumn]) else {
                    throw EvaluationError(
                        .malformedInput, "\(file):\(number + 1): bad timestamp '\(parts[timeColumn])'")
                }
                time = Int64(t)
            }
            interactions.append(Interaction(user: u, item: i, timestamp: time))
        }
        return (interactions, userIndex.count, itemIndex.count)
    }

    // MARK: - Helpers

    static func readLines(_ path: String) throws -> [Substring] {
        let text: String
        do {
            text = try String(contentsOfFile: path, encoding: .utf8)
        } catch {
            throw EvaluationError(.unreadableFile, "cannot read \(path)", underlying: error)
        }
        // "\r\n" is one Character in Swift, and isNewline covers it and "\n".
        return text.split(omittingEmptySubsequences: false, whereSeparator: \.isNewline)
    }

    static func adjacencyLines(path: String) throws -> [(Int32, Int32)] {
        var pairs = [(Int32, Int32)]()
        for (number, line) in try readLines(path).enumerated() {
            let tokens = line.split(whereSeparator: { $0 == " " || $0 == "\t" })
            guard let first = tokens.first else { continue }
            guard let user = Int32(first), user >= 0 else {
                throw EvaluationError(.malformedInput, "\(path):\(number + 1): bad user id '\(first)'")
            }
            for token in tokens.dropFirst() {
                guard let item = Int32(token), item >= 0 else {
                    throw EvaluationError(.malformedInput, "\(path):\(number + 1): bad item id '\(token)'")
                }
                pairs.append((user, item))
            }
        }
        return pairs
    }

    static func triples(path: String, idBase: Int32) throws -> [(Int32, Int32)] {
        var pairs = [(Int32, Int32)]()
        for (number, line) in try readLines(path).enumerated() where !line.isEmpty {
            let tokens = line.split(separator: "\t")
            guard tokens.count >= 2, let user = Int32(tokens[0]), let item = Int32(tokens[1]),
                user >= idBase, item >= idBase
            else {
                throw EvaluationError(
                    .malformedInput, "\(path):\(number + 1): expected 'user<TAB>item[<TAB>count]' with ids ≥ \(idBase)")
            }
            pairs.append((user - idBase, item - idBase))
        }
        return pairs
    }

    static func dataset(train: [(Int32, Int32)], test: [(Int32, Int32)]) throws -> InteractionDataset {
        let users = Int((train + test).map(\.0).max() ?? -1) + 1
        let items = Int((train + test).map(\.1).max() ?? -1) + 1
        return try InteractionDataset(userCount: users, itemCount: items, train: train, test: test)
    }
}
