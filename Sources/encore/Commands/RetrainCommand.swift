import ArgumentParser
import EncoreApp
import Foundation

#if canImport(FoundationNetworking)
    import FoundationNetworking
#endif

/// `encore retrain --now`: asks the running service for a retrain cycle (`POST /v1/retrain`).
struct RetrainCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "retrain",
        abstract: "Force a retrain cycle in the running service.",
        discussion: """
            POSTs to the service's /v1/retrain (http.host and http.port of the configuration, or --url) and prints \
            the answer: started (exit 0), already running or unavailable (exit 1). Scheduled cycles run inside \
            `encore run` on their own.
            """
    )

    @Flag(help: "Start a cycle now (required: the only thing this command does).") var now = false
    @Option(help: "The service's base URL (default: http://HOST:PORT from the configuration).") var url: String?
    @OptionGroup var options: ServiceOptions

    func validate() throws {
        guard now else { throw ValidationError("pass --now to start a retrain cycle in the running service") }
    }

    func run() async throws {
        let base: String
        if let url {
            base = url
        } else {
            let configuration = try options.resolve()
            guard configuration.http.port != 0 else {
                throw ValidationError("http.port is 0 in the configuration (no HTTP server); pass --url")
            }
            base = "http://\(configuration.http.host):\(configuration.http.port)"
        }
        let endpoint = base.hasSuffix("/") ? base + "v1/retrain" : base + "/v1/retrain"
        guard let address = URL(string: endpoint) else { throw ValidationError("'\(endpoint)' is not a URL") }
        var request = URLRequest(url: address, timeoutInterval: 10)
        request.httpMethod = "POST"
        let (status, body): (Int, String)
        do {
            (status, body) = try await Self.send(request)
        } catch {
            print("no Encore service answers at \(endpoint): \(error.localizedDescription)")
            print("(is `encore run` running with http.port set? see --url)")
            throw ExitCode(2)
        }
        print("\(status) \(body)")
        if status != 202 { throw ExitCode(1) }
    }

    private static func send(_ request: URLRequest) async throws -> (Int, String) {
        try await withCheckedThrowingContinuation { continuation in
            URLSession.shared.dataTask(with: request) { data, response, error in
                if let error {
                    continuation.resume(throwing: error)
                    return
                }
                let status = (response as? HTTPURLResponse)?.statusCode ?? 0
                continuation.resume(returning: (status, String(decoding: data ?? Data(), as: UTF8.self)))
            }.resume()
        }
    }
}
