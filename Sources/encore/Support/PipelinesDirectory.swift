import EncorePipeline
import Foundation

/// The `--pipelines` flag's value, checked before anything starts.
enum PipelinesDirectory {
    /// The directory to load definitions from.
    ///
    /// Without the flag: ``PipelineCatalog/defaultDirectory``, which ``PipelineCatalog/load(directory:)``
    /// reads when it exists and replaces by the built-in definitions when it does not. With the
    /// flag: that directory, which must exist (even when it is named `pipelines`).
    ///
    /// - Throws: ``ConfigurationError`` naming the path when a given directory is missing; the
    ///   command line prints it as one line and exits non-zero.
    static func resolve(_ given: String?) throws(ConfigurationError) -> String {
        guard let given else { return PipelineCatalog.defaultDirectory }
        var isDirectory: ObjCBool = false
        guard FileManager.default.fileExists(atPath: given, isDirectory: &isDirectory) else {
            throw ConfigurationError(source: given, field: "", message: "no such directory (--pipelines)")
        }
        guard isDirectory.boolValue else {
            throw ConfigurationError(source: given, field: "", message: "is not a directory (--pipelines)")
        }
        return given
    }
}
