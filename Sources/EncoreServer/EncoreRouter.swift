import EncoreCore
import EncoreStore
import Foundation
import HTTPTypes
import Hummingbird
import NIOCore
import Prometheus

/// The routes of the operational surface, built as a plain function so that tests drive them
/// through Hummingbird's router test client:
///
/// | route | answer |
/// |---|---|
/// | `GET /health/live` | 200 while the process serves HTTP |
/// | `GET /health/ready` | 200, or 503 naming the failed checks (JSON ``ReadinessReport``) |
/// | `GET /metrics` | Prometheus text format |
/// | `GET /v1/users/{id}/recommendations?k=` | the `encore.recommendations` JSON; 404 unknown user, 400 bad `k` |
/// | `POST /v1/retrain` | 202 started, 409 a cycle is running, 503 no scheduler |
/// | `GET /` | the status page (HTML) |
public enum EncoreRouter {
    /// Largest `k` a recommendation query may ask for.
    public static let maximumK = 1000
    /// `k` when the query gives none.
    public static let defaultK = 20

    public static func build(_ dependencies: ServerDependencies) -> Router<BasicRequestContext> {
        let router = Router(context: BasicRequestContext.self)
        router.get("/health/live") { _, _ in
            json(["status": "live"], status: .ok)
        }
        router.get("/health/ready") { _, _ in
            let report = readiness(dependencies)
            return json(report, status: report.ready ? .ok : .serviceUnavailable)
        }
        router.get("/metrics") { _, _ in
            if let entries = try? ModelRegistry(store: dependencies.store).list() {
                ModelGauges.update(entries.map(GenerationSummary.init), nowMs: WallTime.nowMs())
            }
            return Response(
                status: .ok, headers: [.contentType: "text/plain; version=0.0.4; charset=utf-8"],
                body: ResponseBody(byteBuffer: ByteBuffer(bytes: dependencies.metrics.emitToBuffer()))
            )
        }
        router.get("/v1/users/:id/recommendations") { request, context in
            guard let id = context.parameters.get("id"), !id.isEmpty else {
                return json(["error": "missing user id"], status: .badRequest)
            }
            var k = defaultK
            if let text = request.uri.queryParameters.get("k") {
                guard let parsed = Int(text), (1...maximumK).contains(parsed) else {
                    return json(["error": "k must be an integer in 1...\(maximumK)"], status: .badRequest)
                }
                k = parsed
            }
            guard let recommendation = try await dependencies.recommendations.recommendations(for: UserID(id), k: k)
            else {
                return json(["error": "unknown user \(id)"], status: .notFound)
            }
            return Response(
                status: .ok, headers: [.contentType: "application/json"],
                body: ResponseBody(byteBuffer: ByteBuffer(bytes: EventEncoder.encode(recommendation)))
            )
        }
        router.post("/v1/retrain") { _, _ in
            switch await dependencies.retrain.requestRetrain(reason: "POST /v1/retrain") {
            case .started(let cycle):
                return json(RetrainAnswer(status: "started", cycle: cycle, reason: nil), status: .accepted)
            case .alreadyRunning(let cycle):
                return json(RetrainAnswer(status: "already_running", cycle: cycle, reason: nil), status: .conflict)
            case .unavailable(let reason):
                return json(
                    RetrainAnswer(status: "unavailable", cycle: nil, reason: reason), status: .serviceUnavailable)
            }
        }
        router.get("/") { _, _ in
            let html = StatusPage.render(snapshot(dependencies))
            return Response(
                status: .ok, headers: [.contentType: "text/html; charset=utf-8"],
                body: ResponseBody(byteBuffer: ByteBuffer(string: html))
            )
        }
        return router
    }

    /// The body of `POST /v1/retrain`.
    struct RetrainAnswer: Codable {
        var status: String
        var cycle: Int?
        var reason: String?
    }

    static func readiness(_ dependencies: ServerDependencies) -> ReadinessReport {
        var storeProblem: String?
        do {
            _ = try dependencies.store.appliedMigrations()
        } catch {
            storeProblem = "\(error)"
        }
        return ReadinessReport.evaluate(
            pipelines: dependencies.pipelineStatuses(), store: storeProblem, model: dependencies.modelCheck(),
            maximumLag: dependencies.configuration.readyMaximumLag
        )
    }

    static func snapshot(_ dependencies: ServerDependencies) -> StatusPage.Snapshot {
        let store = dependencies.store
        return StatusPage.Snapshot(
            nowWallMs: WallTime.nowMs(), startedWallMs: dependencies.startedWallMs,
            pipelines: dependencies.pipelineStatuses(), samples: dependencies.history.samples,
            sampleInterval: dependencies.configuration.sampleInterval, readiness: readiness(dependencies),
            generations: ((try? ModelRegistry(store: store).list()) ?? []).map(GenerationSummary.init),
            decisions: (try? store.recentDecisions(limit: dependencies.configuration.recentDecisionCount)) ?? [],
            counts: try? store.counts()
        )
    }

    /// A JSON response (sorted keys).
    static func json(_ value: some Encodable, status: HTTPResponse.Status) -> Response {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys]
        let data = (try? encoder.encode(value)) ?? Data("{}".utf8)
        return Response(
            status: status, headers: [.contentType: "application/json"],
            body: ResponseBody(byteBuffer: ByteBuffer(bytes: data))
        )
    }
}
