import EncoreCore
import EncorePipeline
import EncoreServer
import EncoreStore
import Foundation
import HTTPTypes
import Hummingbird
import HummingbirdTesting
import NIOCore
import Synchronization
import Testing

#if canImport(FoundationXML)
    import FoundationXML
#endif

@Suite(.timeLimit(.minutes(2))) struct StatusPageTests {
    /// Every `<svg …>…</svg>` block of a document.
    private static func svgBlocks(_ html: String) -> [String] {
        var blocks: [String] = []
        var rest = html[...]
        while let start = rest.range(of: "<svg"),
            let end = rest.range(of: "</svg>", range: start.upperBound..<rest.endIndex)
        {
            blocks.append(String(rest[start.lowerBound..<end.upperBound]))
            rest = rest[end.upperBound...]
        }
        return blocks
    }

    /// Whether `xml` parses as a well-formed XML document.
    private static func isWellFormed(_ xml: String) -> Bool {
        XMLParser(data: Data(xml.utf8)).parse()
    }

    @Test func thePageShowsTheLiveNumbersAndValidCharts() async throws {
        let fixture = try ServerFixture(seed: 11)
        // Live facts the page must show: pipeline counters, two samples, a generation with its
        // metrics, and a decision whose ids need escaping.
        let applied = 48_213, deadLetters = 17, lag: Int64 = 3_917
        fixture.statuses.withLock { statuses in
            statuses[0].appliedRecords = applied
            statuses[0].deadLetters = deadLetters
            statuses[0].lag = lag
            statuses[0].lastError = "broker <down> & \"out\""
        }
        let registry = ModelRegistry(store: fixture.store)
        let recall = 0.2718, ndcg = 0.1414
        let version = try registry.save(
            name: "lightgcn",
            metadataJSON: #"{"metrics":{"recall@20":\#(recall),"ndcg@20":\#(ndcg)},"trainedEpochs":37}"#,
            blob: [1, 2, 3], createdMs: ServerFixture.baseMs
        )
        try registry.promote(name: "lightgcn", version: version, atMs: ServerFixture.baseMs)
        let hostileUser = "<script>alert('x')</script>"
        let userIndex = try fixture.users.resolve([hostileUser])[0]
        var write = BatchWrite(groupID: "fixture")
        write.decisions.append(
            DecisionRow(
                user: UserIndex(userIndex), requestTimestampMs: ServerFixture.baseMs,
                decision: NotificationDecision(
                    decisionID: "d-1", requestID: RequestID("r-1"), userID: UserID(hostileUser),
                    notificationID: NotificationID("weekly-mix"), action: .delay,
                    sendAtMs: ServerFixture.baseMs + 60_000,
                    pOpen: 0.4321, model: "rule@1", reason: "quiet hours"
                )
            ))
        try fixture.store.commit(write)
        let dependencies = fixture.dependencies()
        let before = fixture.statuses.withLock { $0 }
        dependencies.history.record(before, atWallMs: 1_000_000)
        fixture.statuses.withLock { $0[0].appliedRecords += 2_500 }  // 2 500 records in 5 s
        dependencies.history.record(fixture.statuses.withLock { $0 }, atWallMs: 1_005_000)

        let application = Application(router: EncoreRouter.build(dependencies))
        try await application.test(.router) { client in
            try await client.execute(uri: "/", method: .get) { response throws in
                #expect(response.status == .ok)
                #expect(response.headers[.contentType]?.hasPrefix("text/html") == true)
                let html = String(buffer: response.body)
                #expect(html.contains("<td class=\"n\">\(applied + 2_500)</td>"))
                #expect(html.contains("<td class=\"n\">\(deadLetters)</td>"))
                #expect(html.contains("<td class=\"n\">\(lag)</td>"))
                #expect(html.contains("now: 500 records/s"))  // 2 500 records over 5 s
                #expect(html.contains("now: \(lag) records"))
                #expect(html.contains("lightgcn@\(version)"))
                #expect(html.contains("recall@20 = \(String(format: "%.4f", recall))"))
                #expect(html.contains("ndcg@20 = \(String(format: "%.4f", ndcg))"))
                #expect(html.contains("trainedEpochs: 37"))
                #expect(html.contains("0.432"))
                #expect(html.contains("quiet hours"))
                // Escaped, never raw.
                #expect(!html.contains(hostileUser))
                #expect(html.contains("&lt;script&gt;alert(&#39;x&#39;)&lt;/script&gt;"))
                #expect(html.contains("broker &lt;down&gt; &amp; &quot;out&quot;"))
                // No external assets.
                #expect(!html.contains("src=\""))
                #expect(!html.contains("<link"))
                let charts = Self.svgBlocks(html)
                #expect(charts.count == 2)
                for chart in charts {
                    #expect(Self.isWellFormed(chart), "\(chart)")
                    #expect(chart.contains("<polyline") || chart.contains("<circle"))
                }
            }
        }
    }

    @Test func historyIsABoundedRingWithRates() {
        let history = StatusHistory(capacity: 3)
        var status = PipelineStatus(pipeline: "music")
        for second in 0..<5 {
            status.appliedRecords = second * second * 10
            history.record([status], atWallMs: Int64(second) * 1000)
        }
        let samples = history.samples
        #expect(samples.map(\.wallMs) == [2000, 3000, 4000])
        // (s² − (s−1)²)·10 records in one second.
        #expect(samples.map(\.recordsPerSecond) == [30, 50, 70])
        #expect(samples.allSatisfy { $0.lag == nil })
    }
}
