/// A reader for the Prometheus text exposition format, enough for what this server writes: the dashboard's
/// cache panel reads its figures back from `/metrics`, and the deployment test checks the names Grafana queries.
enum PrometheusText {
    struct Sample: Sendable, Equatable {
        var name: String
        var labels: [String: String]
        var value: Double
    }

    /// Every sample line (`name{label="value",…} number`); comments, blank and unreadable lines are skipped.
    static func samples(_ text: String) -> [Sample] {
        var result: [Sample] = []
        for line in text.split(separator: "\n", omittingEmptySubsequences: true) {
            guard let first = line.first, first != "#" else { continue }
            var labels: [String: String] = [:]
            let name: Substring
            let rest: Substring
            if let brace = line.firstIndex(of: "{") {
                name = line[..<brace]
                guard let parsed = parseLabels(line[line.index(after: brace)...]) else { continue }
                labels = parsed.labels
                rest = parsed.rest
            } else {
                guard let space = line.firstIndex(of: " ") else { continue }
                name = line[..<space]
                rest = line[space...]
            }
            let fields = rest.split(separator: " ", omittingEmptySubsequences: true)
            guard let valueText = fields.first else { continue }
            let value: Double
            switch valueText {
            case "+Inf": value = .infinity
            case "-Inf": value = -.infinity
            case "NaN": value = .nan
            default:
                guard let parsed = Double(valueText) else { continue }
                value = parsed
            }
            result.append(Sample(name: String(name), labels: labels, value: value))
        }
        return result
    }

    /// The family names a text declares with `# TYPE` plus every sample name (so `_bucket`, `_sum`, `_count` too).
    static func names(_ text: String) -> Set<String> {
        var names = Set(samples(text).map(\.name))
        for line in text.split(separator: "\n") where line.hasPrefix("# TYPE ") {
            let parts = line.split(separator: " ")
            if parts.count >= 3 { names.insert(String(parts[2])) }
        }
        return names
    }

    /// `a="x",b="y\"z"} rest` → the labels and what follows the closing brace.
    private static func parseLabels(_ text: Substring) -> (labels: [String: String], rest: Substring)? {
        var labels: [String: String] = [:]
        var index = text.startIndex
        while index < text.endIndex {
            if text[index] == "}" { return (labels, text[text.index(after: index)...]) }
            if text[index] == "," || text[index] == " " { index = text.index(after: index); continue }
            guard let equals = text[index...].firstIndex(of: "=") else { return nil }
            let key = String(text[index..<equals])
            var cursor = text.index(after: equals)
            guard cursor < text.endIndex, text[cursor] == "\"" else { return nil }
            cursor = text.index(after: cursor)
            var value = ""
            var closed = false
            while cursor < text.endIndex {
                let character = text[cursor]
                if character == "\\" {
                    let next = text.index(after: cursor)
                    guard next < text.endIndex else { return nil }
                    switch text[next] {
                    case "n": value.append("\n")
                    default: value.append(text[next])
                    }
                    cursor = text.index(after: next)
                } else if character == "\"" {
                    cursor = text.index(after: cursor)
                    closed = true
                    break
                } else {
                    value.append(character)
                    cursor = text.index(after: cursor)
                }
            }
            guard closed else { return nil }
            labels[key] = value
            index = cursor
        }
        return nil
    }
}
