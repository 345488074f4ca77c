import Foundation
import Testing

/// The repository's `data/` folder, found from this source file's location so that the tests
/// pass from any working directory and in a clone with nothing beside it. Shared by the test
/// targets that read the real data sets.
public enum RepositoryData {
    /// The repository root: this file is `<root>/Tests/EncoreTestData/RepositoryData.swift`.
    public static let root = URL(fileURLWithPath: #filePath)
        .deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()

    /// The path of `data/<name>`, after checking that `file` is in it.
    ///
    /// - Parameters:
    ///   - name: The data set's folder under `data/` (e.g. `lastfm`).
    ///   - file: A file the data set must contain.
    /// - Returns: The folder's path.
    /// - Throws: A test failure naming the missing path (never a silent skip).
    public static func directory(_ name: String, containing file: String) throws -> String {
        let directory = root.appendingPathComponent("data").appendingPathComponent(name).path
        let path = directory + "/" + file
        try #require(
            FileManager.default.fileExists(atPath: path),
            "repository data missing: \(path) not found (data/\(name) is part of the repository; see data/README.md)")
        return directory
    }
}
