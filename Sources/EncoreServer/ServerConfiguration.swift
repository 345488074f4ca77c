/// Settings of the HTTP server: where it listens, when the service counts as ready, and how the
/// status page samples the pipelines.
public struct ServerConfiguration: Sendable, Equatable {
    /// Interface to bind (`127.0.0.1` by default: the status page is for operators, not the world).
    public var host = "127.0.0.1"
    /// TCP port; `0` lets the system choose one (``EncoreHTTPServer`` reports it). The service
    /// configuration's `http.port: 0` means no server at all and never gets here.
    public var port = 8080
    /// `/health/ready` fails while the summed consumer lag of the pipelines is above this.
    public var readyMaximumLag: Int64 = 10_000
    /// How often the status history samples the pipelines.
    public var sampleInterval: Duration = .seconds(2)
    /// Samples kept for the status page charts (a ring buffer; older samples are dropped).
    public var historyCapacity = 300
    /// Decisions listed on the status page.
    public var recentDecisionCount = 15

    public init() {}

    /// The status page's address, as printed at start-up.
    public var statusPageURL: String { "http://\(host):\(port)/" }
}
