/// Markdown for one block at a time, shared by `ExtractedDocument.markdown()` and the chunker (whose chunks are
/// Markdown too, so a piece of a table is still a pipe table).
enum MarkdownWriter {
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

/// How consecutive blocks are laid out in Markdown: ordered list items are numbered 1, 2, 3 at each depth, and
/// items of one list are separated by a newline, everything else by a blank line (a list of the other kind at a
/// depth already open starts after a blank line, so it is a list of its own).
struct MarkdownLayout {
    /// For each open list depth, whether it is ordered and its next number.
    private var open: [(ordered: Bool, next: Int)] = []
    private var previousWasItem = false
    private var isFirst = true

    /// What goes before `block` (nothing before the first), and its number if it is an ordered list item.
    mutating func place(_ block: DocumentBlock) -> (separator: String, number: Int) {
        defer { isFirst = false }
        guard case .listItem(let itemDepth, let ordered) = block.kind else {
            open.removeAll()
            previousWasItem = false
            return (isFirst ? "" : "\n\n", 1)
        }
        let depth = max(itemDepth, 0)
        var sameList = previousWasItem
        if depth < open.count {
            if open[depth].ordered == ordered {
                open.removeLast(open.count - depth - 1)  // deeper lists end
            } else {
                sameList = false  // a list of the other kind at this depth
                open.removeLast(open.count - depth)
            }
        }
        while open.count <= depth { open.append((ordered, 1)) }
        let number = open[depth].next
        open[depth].next += 1
        previousWasItem = true
        return (isFirst ? "" : sameList ? "\n" : "\n\n", number)
    }
}
