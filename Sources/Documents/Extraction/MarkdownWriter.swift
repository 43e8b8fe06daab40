/// Markdown for one block at a time, shared by `ExtractedDocument.markdown()` and the chunker (whose chunks are
/// Markdown too, so a piece of a table is still a pipe table).
enum MarkdownWriter {
    /// What goes between two blocks: a newline between list items, a blank line otherwise.
    static func separator(after previous: DocumentBlock?, before block: DocumentBlock) -> String {
        if case .listItem = previous?.kind, case .listItem = block.kind { return "\n" }
        return "\n\n"
    }

    static func heading(_ text: String, level: Int) -> String {
        String(repeating: "#", count: min(max(level, 1), 6)) + " " + singleLine(text)
    }

    static func paragraph(_ text: String) -> String { escapingBlockStart(text) }

    /// `number` nil is a bullet (`-`), else the ordered marker `number.`.
    static func listItem(_ text: String, depth: Int, number: Int?) -> String {
        let marker = number.map { "\($0)." } ?? "-"
        return String(repeating: "  ", count: max(depth, 0)) + marker + " " + singleLine(text)
    }

    static func quote(_ text: String) -> String {
        text.split(separator: "\n", omittingEmptySubsequences: false).map { "> " + $0 }.joined(separator: "\n")
    }

    /// A fenced block whose fence is longer than any backtick run inside the text.
    static func code(_ text: String, language: String?) -> String {
        var longestRun = 0, run = 0
        for character in text {
            run = character == "`" ? run + 1 : 0
            longestRun = max(longestRun, run)
        }
        let fence = String(repeating: "`", count: max(3, longestRun + 1))
        return fence + (language ?? "") + "\n" + text + "\n" + fence
    }

    /// A GFM pipe table; the first row is the header, rows are padded to the widest.
    static func table(_ rows: [[String]]) -> String {
        guard let header = rows.first else { return "" }
        let columns = max(1, rows.map(\.count).max() ?? 1)
        func line(_ cells: [String]) -> String {
            let padded = cells + Array(repeating: "", count: columns - cells.count)
            return "| " + padded.map(cell).joined(separator: " | ") + " |"
        }
        var lines = [line(header), "|" + Array(repeating: " --- |", count: columns).joined()]
        lines.append(contentsOf: rows.dropFirst().map(line))
        return lines.joined(separator: "\n")
    }

    private static func cell(_ text: String) -> String {
        singleLine(text).replacingOccurrences(of: "|", with: "\\|")
    }

    private static func singleLine(_ text: String) -> String {
        text.contains("\n") ? text.split(whereSeparator: \.isNewline).joined(separator: " ") : text
    }

    /// A backslash before a paragraph that would otherwise start a heading, list, quote, table or fence.
    private static func escapingBlockStart(_ text: String) -> String {
        guard let first = text.first else { return text }
        switch first {
        case "#", ">", "-", "+", "*", "=", "|", "`", "~":
            return "\\" + text
        case "0"..."9":
            let digits = text.prefix { $0.isASCII && $0.isNumber }
            let rest = text.dropFirst(digits.count)
            if digits.count <= 9, let marker = rest.first, marker == "." || marker == ")",
               rest.dropFirst().first.map({ $0 == " " }) ?? true {
                return digits + "\\" + rest
            }
            return text
        default:
            return text
        }
    }
}

/// Numbers ordered list items in document order: 1, 2, 3 at each depth, restarting after any other block and
/// below a shallower item.
struct ListNumbering {
    private var counters: [Int] = []

    /// The number of `block` if it is an ordered list item (1 for anything else).
    mutating func next(_ block: DocumentBlock) -> Int {
        guard case .listItem(let itemDepth, let ordered) = block.kind else {
            counters.removeAll()
            return 1
        }
        let depth = max(itemDepth, 0)
        if counters.count > depth + 1 { counters.removeLast(counters.count - depth - 1) }
        while counters.count < depth + 1 { counters.append(1) }
        let number = counters[depth]
        counters[depth] = ordered ? number + 1 : 1
        return number
    }
}
