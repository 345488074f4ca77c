import EncoreCore
import EncorePipeline
import EncoreStore
import Foundation

/// The status page at `/`: one server-rendered HTML document with inline CSS and SVG, no
/// scripts and no external assets. Every number on it comes from the snapshot it is given,
/// which the route takes from the live service.
struct StatusPage {
    /// What the page shows, read from the service at request time.
    struct Snapshot {
        var nowWallMs: Int64
        var startedWallMs: Int64
        var pipelines: [PipelineStatus]
        var samples: [StatusHistory.Sample]
        var sampleInterval: Duration
        var readiness: ReadinessReport
        var generations: [GenerationSummary]
        var decisions: [RecordedDecision]
        var counts: StoreCounts?
    }

    static func render(_ snapshot: Snapshot) -> String {
        var html = """
            <!DOCTYPE html>
            <html lang="en"><head><meta charset="utf-8">
            <meta http-equiv="refresh" content="5">
            <title>Encore status</title>
            <style>
            body{font:14px/1.4 system-ui,sans-serif;margin:24px;color:#1d2330;background:#fafbfc}
            h1{font-size:22px;margin:0 0 4px}h2{font-size:16px;margin:24px 0 8px}
            table{border-collapse:collapse;background:#fff}td,th{border:1px solid #d8dde6;padding:3px 8px;text-align:left}
            th{background:#eef1f6}td.n{text-align:right;font-variant-numeric:tabular-nums}
            .ok{color:#1a7f37}.bad{color:#c62828}.muted{color:#667}
            .charts{display:flex;gap:16px;flex-wrap:wrap}
            svg.chart{background:#fff;border:1px solid #d8dde6}
            svg .title{font-size:12px;font-weight:600;fill:#1d2330}svg .axis{font-size:10px;fill:#667}
            svg .note{font-size:12px;fill:#667}svg .frame{fill:none;stroke:#e3e7ee}
            svg .line{fill:none;stroke:#2f6fde;stroke-width:1.5}svg .dot{fill:#2f6fde}
            </style></head><body>

            """
        let readiness = snapshot.readiness
        html += "<h1>Encore</h1>\n<p>"
        html +=
            readiness.ready
            ? "<strong class=\"ok\">ready</strong>"
            : "<strong class=\"bad\">not ready: \(esc(readiness.failed.joined(separator: ", ")))</strong>"
        html += " · up \(duration(ms: snapshot.nowWallMs - snapshot.startedWallMs))"
        html += " · page rendered \(timestamp(snapshot.nowWallMs)) UTC</p>\n"
        html += "<ul>\n"
        for check in readiness.checks {
            html += "<li><span class=\"\(check.ok ? "ok" : "bad")\">\(check.ok ? "✓" : "✗")</span> "
            html += "\(esc(check.name)): \(esc(check.detail))</li>\n"
        }
        html += "</ul>\n"

        html += "<h2>Throughput and lag</h2>\n<div class=\"charts\">\n"
        let samples = snapshot.samples
        html += SVGLineChart(title: "applied records per second", unit: "records/s")
            .render(samples.map { ($0.wallMs, $0.recordsPerSecond) })
        html += "\n"
        html += SVGLineChart(title: "consumer lag (records)", unit: "records")
            .render(samples.map { ($0.wallMs, $0.lag.map(Double.init)) })
        html += "\n</div>\n"
        let seconds =
            Double(snapshot.sampleInterval.components.seconds)
            + Double(snapshot.sampleInterval.components.attoseconds) / 1e18
        html += "<p class=\"muted\">\(samples.count) samples, one every \(SVGLineChart.format(seconds)) s.</p>\n"

        html += "<h2>Pipelines</h2>\n<table><tr><th>pipeline</th><th>state</th><th>applied</th><th>dead letters</th>"
        html += "<th>batches</th><th>failed attempts</th><th>recommendations</th><th>decisions</th><th>partitions</th>"
        html += "<th>lag</th><th>newest event</th><th>last error</th></tr>\n"
        for status in snapshot.pipelines {
            html += "<tr><td>\(esc(status.pipeline))</td>"
            html += "<td class=\"\(status.state == .running ? "ok" : status.state == .failed ? "bad" : "")\">"
            html += "\(esc(status.state.rawValue))</td>"
            for value in [
                status.appliedRecords, status.deadLetters, status.batches, status.failedBatchAttempts,
                status.recommendations, status.decisions, status.assignedPartitions,
            ] {
                html += "<td class=\"n\">\(value)</td>"
            }
            html += "<td class=\"n\">\(status.lag.map(String.init) ?? "—")</td>"
            html += "<td>\(status.lastEventMs.map(timestamp) ?? "—")</td>"
            html += "<td>\(esc(status.lastError ?? ""))</td></tr>\n"
        }
        html += "</table>\n"
        if let counts = snapshot.counts {
            html += "<p>Store: \(counts.users) users, \(counts.tracks) tracks, \(counts.listens) listens, "
            html += "\(counts.notificationEvents) notification events, \(counts.decisions) decisions, "
            html += "\(counts.deadLetters) dead letters.</p>\n"
        }

        html += "<h2>Model generations</h2>\n"
        if snapshot.generations.isEmpty {
            html += "<p class=\"muted\">The registry holds no generations.</p>\n"
        } else {
            html += "<table><tr><th>generation</th><th>status</th><th>created (UTC)</th><th>age</th><th>floats</th>"
            html += "<th>evaluation metrics</th><th>metadata</th></tr>\n"
            for generation in snapshot.generations {
                html += "<tr><td>\(esc(generation.reference))</td>"
                html += "<td class=\"\(generation.status == .promoted ? "ok" : "")\">\(esc(generation.status.rawValue))</td>"
                html += "<td>\(timestamp(generation.createdMs))</td>"
                html += "<td>\(duration(ms: snapshot.nowWallMs - generation.createdMs))</td>"
                html += "<td class=\"n\">\(generation.floatCount)</td><td>"
                html += generation.metrics.map { "\(esc($0.name)) = \(String(format: "%.4f", $0.value))" }
                    .joined(separator: "<br>")
                html += "</td><td>"
                html += generation.facts.map { "\(esc($0.name)): \(esc($0.value))" }.joined(separator: "<br>")
                html += "</td></tr>\n"
            }
            html += "</table>\n"
        }

        html += "<h2>Recent decisions</h2>\n"
        if snapshot.decisions.isEmpty {
            html += "<p class=\"muted\">No decisions stored yet.</p>\n"
        } else {
            html += "<table><tr><th>request time (event, UTC)</th><th>user</th><th>notification</th><th>action</th>"
            html += "<th>send at</th><th>p(open)</th><th>model</th><th>reason</th></tr>\n"
            for recorded in snapshot.decisions {
                let decision = recorded.decision
                html +=
                    "<tr><td>\(timestamp(recorded.requestTimestampMs))</td><td>\(esc(decision.userID.rawValue))</td>"
                html += "<td>\(esc(decision.notificationID.rawValue))</td><td>\(esc(decision.action.rawValue))</td>"
                html += "<td>\(decision.sendAtMs.map(timestamp) ?? "—")</td>"
                html += "<td class=\"n\">\(String(format: "%.3f", decision.pOpen))</td>"
                html += "<td>\(esc(decision.model))</td><td>\(esc(decision.reason))</td></tr>\n"
            }
            html += "</table>\n"
        }
        html += "<p class=\"muted\">JSON: <a href=\"/health/ready\">/health/ready</a> · "
        html += "Prometheus: <a href=\"/metrics\">/metrics</a></p>\n</body></html>\n"
        return html
    }

    private static func esc(_ text: String) -> String { HTMLText.escape(text) }

    /// `yyyy-MM-dd HH:mm:ss` in UTC.
    static func timestamp(_ ms: Int64) -> String {
        let formatter = DateFormatter()
        formatter.locale = Locale(identifier: "en_US_POSIX")
        formatter.timeZone = TimeZone(identifier: "UTC")
        formatter.dateFormat = "yyyy-MM-dd HH:mm:ss"
        return formatter.string(from: Date(timeIntervalSince1970: Double(ms) / 1000))
    }

    /// `3 d 4 h`, `5 h 12 min`, `7 min 3 s`, `42 s`.
    static func duration(ms: Int64) -> String {
        let seconds = max(0, ms / 1000)
        let (days, hours, minutes) = (seconds / 86_400, seconds % 86_400 / 3600, seconds % 3600 / 60)
        if days > 0 { return "\(days) d \(hours) h" }
        if hours > 0 { return "\(hours) h \(minutes) min" }
        if minutes > 0 { return "\(minutes) min \(seconds % 60) s" }
        return "\(seconds) s"
    }
}
