import Foundation

/// An ann-benchmarks-style chart as a self-contained SVG: recall@k across, queries per second up (log
/// scale), one line with markers per engine, each engine's points in recall order.
///
/// The x axis runs from the lowest recall measured (rounded down to a tenth, at most 0.9) to 1; the y axis
/// spans whole decades around every QPS measured, with lines at 1, 2 and 5 of each decade. Points with a
/// QPS of zero or less, or a recall outside 0…1, cannot be drawn on these axes and are left out.
struct RecallPlot {
    struct Series {
        var name: String
        /// (recall, QPS) per measured ef.
        var points: [(recall: Double, qps: Double)]
    }

    var title: String
    var subtitle: String
    var series: [Series]

    static let width = 860.0, height = 540.0
    static let left = 80.0, right = 200.0, top = 56.0, bottom = 56.0
    static let palette = ["#d62728", "#1f77b4", "#2ca02c", "#ff7f0e", "#9467bd", "#8c564b", "#e377c2", "#17becf"]

    func svg() -> String {
        let drawable = series.map { s in
            Series(name: s.name, points: s.points.filter { $0.qps > 0 && $0.qps.isFinite && (0...1).contains($0.recall) }.sorted { $0.recall < $1.recall })
        }
        let all = drawable.flatMap(\.points)
        let lowestRecall = all.map(\.recall).min() ?? 0.5
        let xMin = min(0.9, (lowestRecall * 10).rounded(.down) / 10)
        let qps = all.map(\.qps)
        let yMinExponent = (log10(qps.min() ?? 100)).rounded(.down)
        var yMaxExponent = (log10(qps.max() ?? 1000)).rounded(.up)
        if yMaxExponent <= yMinExponent { yMaxExponent = yMinExponent + 1 }

        let plotWidth = Self.width - Self.left - Self.right, plotHeight = Self.height - Self.top - Self.bottom
        func x(_ recall: Double) -> Double { Self.left + (recall - xMin) / (1 - xMin) * plotWidth }
        func y(_ qps: Double) -> Double { Self.top + plotHeight - (log10(qps) - yMinExponent) / (yMaxExponent - yMinExponent) * plotHeight }

        var out = """
        <svg xmlns="http://www.w3.org/2000/svg" width="\(Int(Self.width))" height="\(Int(Self.height))" \
        viewBox="0 0 \(Int(Self.width)) \(Int(Self.height))" font-family="sans-serif" font-size="12">
        <rect width="100%" height="100%" fill="#ffffff"/>
        <text x="\(Self.left)" y="24" font-size="16" font-weight="bold">\(Self.escape(title))</text>
        <text x="\(Self.left)" y="42" fill="#555555">\(Self.escape(subtitle))</text>

        """
        // Grid and tick labels: recall every 0.02 from 0.8 up (else grid 0.05, labels 0.1); QPS at 1, 2 and 5 per decade.
        func recallTicks(_ step: Double) -> [Double] {
            stride(from: xMin, through: 1.0001, by: xMin >= 0.8 ? 0.02 : step).map { $0 }
        }
        let qpsTicks = stride(from: yMinExponent, through: yMaxExponent, by: 1).flatMap { exponent in
            (exponent < yMaxExponent ? [1.0, 2.0, 5.0] : [1.0]).map { $0 * pow(10, exponent) }
        }
        out += "<g class=\"grid\" stroke=\"#e5e5e5\">\n"
        for tick in recallTicks(0.05) {
            out += "<line x1=\"\(Self.f(x(tick)))\" y1=\"\(Self.f(Self.top))\" x2=\"\(Self.f(x(tick)))\" y2=\"\(Self.f(Self.top + plotHeight))\"/>\n"
        }
        for value in qpsTicks {
            out += "<line x1=\"\(Self.f(Self.left))\" y1=\"\(Self.f(y(value)))\" x2=\"\(Self.f(Self.left + plotWidth))\" y2=\"\(Self.f(y(value)))\"/>\n"
        }
        out += "</g>\n<g class=\"ticks\" fill=\"#333333\">\n"
        for tick in recallTicks(0.1) {
            out += "<text x=\"\(Self.f(x(tick)))\" y=\"\(Self.f(Self.top + plotHeight + 18))\" text-anchor=\"middle\">\(String(format: "%.2f", tick))</text>\n"
        }
        for value in qpsTicks {
            out += "<text x=\"\(Self.f(Self.left - 8))\" y=\"\(Self.f(y(value) + 4))\" text-anchor=\"end\">\(Self.quantity(value))</text>\n"
        }
        out += """
        </g>
        <rect x="\(Self.f(Self.left))" y="\(Self.f(Self.top))" width="\(Self.f(plotWidth))" height="\(Self.f(plotHeight))" fill="none" stroke="#333333"/>
        <text x="\(Self.f(Self.left + plotWidth / 2))" y="\(Self.f(Self.height - 14))" text-anchor="middle">recall@k</text>
        <text transform="translate(20 \(Self.f(Self.top + plotHeight / 2))) rotate(-90)" text-anchor="middle">queries per second (log scale)</text>

        """
        // One line per engine, and the legend.
        for (index, engine) in drawable.enumerated() {
            let color = Self.palette[index % Self.palette.count]
            let name = Self.escape(engine.name)
            out += "<g class=\"series\" data-engine=\"\(name)\" stroke=\"\(color)\" fill=\"\(color)\">\n"
            if engine.points.count > 1 {
                let path = engine.points.map { "\(Self.f(x($0.recall))),\(Self.f(y($0.qps)))" }.joined(separator: " ")
                out += "<polyline points=\"\(path)\" fill=\"none\" stroke-width=\"2\"/>\n"
            }
            for point in engine.points {
                out += "<circle cx=\"\(Self.f(x(point.recall)))\" cy=\"\(Self.f(y(point.qps)))\" r=\"3.5\">"
                    + "<title>\(name): recall \(String(format: "%.4f", point.recall)), \(Int(point.qps.rounded())) QPS</title></circle>\n"
            }
            let legendY = Self.top + 12 + Double(index) * 20
            out += "<line x1=\"\(Self.f(Self.width - Self.right + 16))\" y1=\"\(Self.f(legendY))\" x2=\"\(Self.f(Self.width - Self.right + 40))\" "
                + "y2=\"\(Self.f(legendY))\" stroke-width=\"2\"/>\n"
            out += "<text x=\"\(Self.f(Self.width - Self.right + 46))\" y=\"\(Self.f(legendY + 4))\" stroke=\"none\" fill=\"#222222\">\(name)</text>\n"
            out += "</g>\n"
        }
        return out + "</svg>\n"
    }

    static func f(_ value: Double) -> String { String(format: "%.1f", value) }

    /// 100, 2k, 50k, 1M.
    static func quantity(_ value: Double) -> String {
        switch value {
        case 1_000_000...: return "\(Int((value / 1_000_000).rounded()))M"
        case 1000...: return "\(Int((value / 1000).rounded()))k"
        case 1...: return "\(Int(value.rounded()))"
        default: return String(format: "%g", value)
        }
    }

    static func escape(_ text: String) -> String {
        var out = ""
        for character in text {
            switch character {
            case "&": out += "&amp;"
            case "<": out += "&lt;"
            case ">": out += "&gt;"
            case "\"": out += "&quot;"
            default: out.append(character)
            }
        }
        return out
    }

    /// The engines of a `Benchmarks/peers/dense_peers.py --json` file: `{"hnswlib": {"runs": [{"recall", "qps",
    /// "qps_batch1t"?}, …]}, …}`. A peer's one-query-at-a-time figure (`qps_batch1t`) is used when present, as
    /// that is how this tool measures its own QPS.
    static func peers(fromJSON data: Data, path: String) throws -> [Series] {
        guard let root = try? JSONSerialization.jsonObject(with: data) as? [String: Any] else {
            throw CLIError("\(path): expected a JSON object of engines (dense_peers.py --json)")
        }
        return try root.keys.sorted().map { name in
            guard let engine = root[name] as? [String: Any], let runs = engine["runs"] as? [[String: Any]] else {
                throw CLIError("\(path): \(name) has no `runs` list")
            }
            let points = try runs.map { run -> (recall: Double, qps: Double) in
                guard let recall = (run["recall"] as? NSNumber)?.doubleValue,
                      let qps = ((run["qps_batch1t"] ?? run["qps"]) as? NSNumber)?.doubleValue
                else { throw CLIError("\(path): a run of \(name) lacks `recall` or `qps`") }
                return (recall, qps)
            }
            return Series(name: name, points: points)
        }
    }
}
