import Foundation

/// A small inline SVG line chart of one series over wall time, with its range printed on the
/// axis: no scripts, no external assets.
struct SVGLineChart {
    var title: String
    var unit: String
    var width = 520.0
    var height = 140.0

    /// The chart of `points` (x = wall ms, y = value; `nil` values leave gaps).
    func render(_ points: [(wallMs: Int64, value: Double?)]) -> String {
        let left = 56.0, right = 10.0, top = 22.0, bottom = 22.0
        let plotWidth = width - left - right, plotHeight = height - top - bottom
        var svg = """
            <svg xmlns="http://www.w3.org/2000/svg" class="chart" width="\(Int(width))" height="\(Int(height))" \
            viewBox="0 0 \(Int(width)) \(Int(height))" role="img" aria-label="\(HTMLText.escape(title))">
            <text x="4" y="14" class="title">\(HTMLText.escape(title))</text>
            <rect x="\(left)" y="\(top)" width="\(plotWidth)" height="\(plotHeight)" class="frame"/>

            """
        let known = points.compactMap { point in point.value.map { (point.wallMs, $0) } }
        guard let first = points.first, let last = points.last, !known.isEmpty else {
            svg += "<text x=\"\(left + 8)\" y=\"\(top + plotHeight / 2)\" class=\"note\">no samples yet</text>\n</svg>"
            return svg
        }
        // At least 1, so that a flat zero series sits on the axis under a readable scale.
        let maximum = max(known.map(\.1).max() ?? 0, 1)
        let span = max(Double(last.wallMs - first.wallMs), 1)
        func x(_ wallMs: Int64) -> Double { left + Double(wallMs - first.wallMs) / span * plotWidth }
        func y(_ value: Double) -> Double { top + plotHeight - value / maximum * plotHeight }
        // One polyline per run of known values.
        var run: [(x: Double, y: Double)] = []
        func flush() {
            if run.count == 1 {
                svg += String(format: "<circle cx=\"%.1f\" cy=\"%.1f\" r=\"2\" class=\"dot\"/>\n", run[0].x, run[0].y)
            } else if run.count > 1 {
                let coordinates = run.map { String(format: "%.1f,%.1f", $0.x, $0.y) }.joined(separator: " ")
                svg += "<polyline points=\"\(coordinates)\" class=\"line\"/>\n"
            }
            run.removeAll()
        }
        for point in points {
            guard let value = point.value else {
                flush()
                continue
            }
            run.append((x(point.wallMs), y(value)))
        }
        flush()
        let seconds = Int((Double(last.wallMs - first.wallMs) / 1000).rounded())
        svg += """
            <text x="\(left - 4)" y="\(top + 4)" class="axis" text-anchor="end">\(Self.format(maximum))</text>
            <text x="\(left - 4)" y="\(top + plotHeight)" class="axis" text-anchor="end">0</text>
            <text x="\(left)" y="\(height - 6)" class="axis">−\(seconds) s</text>
            <text x="\(left + plotWidth)" y="\(height - 6)" class="axis" text-anchor="end">now: \
            \(Self.format(known.last!.1)) \(HTMLText.escape(unit))</text>
            </svg>
            """
        return svg
    }

    /// A compact number: integers as such, others with at most one decimal.
    static func format(_ value: Double) -> String {
        if value.rounded() == value, abs(value) < 1e15 { return String(Int64(value)) }
        return String(format: value >= 100 ? "%.0f" : "%.1f", value)
    }
}
