/// One character of a PDF page as poppler lays it out: its box (points, origin top-left, y down) and font.
struct PDFGlyph {
    var scalar: Unicode.Scalar
    var x1: Double, y1: Double, x2: Double, y2: Double
    var fontSize: Double
    var monospace: Bool

    var isSpace: Bool { scalar.properties.isWhitespace }
}

/// A run of text on one visual line with no wide gap inside: a line of a paragraph, or one cell of a table row.
struct PDFFragment {
    var text: String
    var x1: Double, y1: Double, x2: Double, y2: Double
    /// The font size most of its characters have, and whether most are monospaced.
    var fontSize: Double
    var monospace: Bool
    var glyphCount: Int

    var centerY: Double { (y1 + y2) / 2 }
    var height: Double { max(y2 - y1, 0.1) }
    var wordCount: Int { text.split(whereSeparator: \.isWhitespace).count }

    /// Joins `other` (to the right on the same line) into this fragment.
    mutating func absorb(_ other: PDFFragment, separator: String = " ") {
        let total = glyphCount + other.glyphCount
        if other.glyphCount > glyphCount {
            fontSize = other.fontSize
            monospace = other.monospace
        }
        text += separator + other.text
        x1 = min(x1, other.x1); x2 = max(x2, other.x2)
        y1 = min(y1, other.y1); y2 = max(y2, other.y2)
        glyphCount = total
    }
}

/// What a page holds, top to bottom.
enum PDFPageItem {
    case line(PDFFragment)
    case table(rows: [[String]])
}

/// Reading a page's geometry: poppler's own page text runs table cells together ("Raft 2n f of 2f+1"), so lines
/// are rebuilt from the character boxes.
///
/// 1. Each of poppler's lines is cut where the gap between two visible characters exceeds `gapFactor` × the font
///    size (a word space is about 0.3 em; table columns are further apart), unless both are monospaced (code is
///    aligned with runs of spaces), or where the text jumps backwards.
/// 2. Fragments whose vertical centres are within half a line height form one visual row, left to right; a
///    fragment that is only a list marker (`•`, `1.`, `a)`) is joined to the fragment after it.
/// 3. Two or more consecutive rows of at least two fragments each, with no taller gap than `rowGapFactor` lines
///    between them, whose fragments leave at least one vertical gutter empty in every row, are a table: the
///    gutters split it into columns, each fragment goes to the column under its centre. When the "cells" average
///    `textColumnWords` words or more, it is running text set in columns instead, read column by column.
/// 4. Every other row is one line of text (its fragments joined with spaces).
enum PDFPageLayout {
    static let gapFactor = 0.9
    static let rowGapFactor = 2.0
    static let textColumnWords = 8.0

    static func items(lines: [[PDFGlyph]]) -> [PDFPageItem] {
        let rows = self.rows(lines.flatMap(fragments))
        var items: [PDFPageItem] = []
        var index = 0
        while index < rows.count {
            var end = index
            if rows[index].count >= 2 {
                while end + 1 < rows.count, rows[end + 1].count >= 2,
                      gap(rows[end], rows[end + 1]) <= rowGapFactor * lineHeight(rows[end]) {
                    end += 1
                }
            }
            if end > index, let table = table(Array(rows[index...end])) {
                items.append(contentsOf: table)
            } else {
                for row in rows[index...end] { items.append(.line(joined(row))) }
            }
            index = end + 1
        }
        return items
    }

    /// Step 1: poppler's line cut at wide gaps and backward jumps.
    static func fragments(_ line: [PDFGlyph]) -> [PDFFragment] {
        var result: [PDFFragment] = []
        var current: [PDFGlyph] = []
        var previousVisible: PDFGlyph?
        for glyph in line {
            if glyph.isSpace {
                if !current.isEmpty { current.append(glyph) }
                continue
            }
            if let previous = previousVisible {
                let size = max(previous.fontSize, glyph.fontSize, 1)
                let gap = glyph.x1 - previous.x2
                let wide = gap > gapFactor * size && !(previous.monospace && glyph.monospace)
                if wide || glyph.x1 < previous.x1 - size {
                    if let fragment = fragment(current) { result.append(fragment) }
                    current.removeAll(keepingCapacity: true)
                }
            }
            current.append(glyph)
            previousVisible = glyph
        }
        if let fragment = fragment(current) { result.append(fragment) }
        return result
    }

    private static func fragment(_ glyphs: [PDFGlyph]) -> PDFFragment? {
        let visible = glyphs.filter { !$0.isSpace }
        guard let first = visible.first else { return nil }
        var text = String.UnicodeScalarView()
        for glyph in glyphs { text.append(glyph.scalar) }
        var sizes: [Double: Int] = [:]
        var monospaced = 0
        var box = (x1: first.x1, y1: first.y1, x2: first.x2, y2: first.y2)
        for glyph in visible {
            sizes[(glyph.fontSize * 2).rounded() / 2, default: 0] += 1
            if glyph.monospace { monospaced += 1 }
            box = (min(box.x1, glyph.x1), min(box.y1, glyph.y1), max(box.x2, glyph.x2), max(box.y2, glyph.y2))
        }
        let size = sizes.max { $0.value < $1.value || ($0.value == $1.value && $0.key < $1.key) }?.key ?? first.fontSize
        return PDFFragment(text: String(text).trimmingWhitespace(), x1: box.x1, y1: box.y1, x2: box.x2, y2: box.y2,
                           fontSize: size, monospace: monospaced * 2 > visible.count, glyphCount: visible.count)
    }

    /// Step 2: fragments grouped into visual rows, top to bottom, each left to right.
    static func rows(_ fragments: [PDFFragment]) -> [[PDFFragment]] {
        let sorted = fragments.sorted { ($0.centerY, $0.x1) < ($1.centerY, $1.x1) }
        var rows: [[PDFFragment]] = []
        for fragment in sorted {
            if let last = rows.last, let anchor = last.first,
               abs(fragment.centerY - anchor.centerY) <= 0.5 * min(fragment.height, anchor.height) {
                rows[rows.count - 1].append(fragment)
            } else {
                rows.append([fragment])
            }
        }
        return rows.map { row in
            var merged: [PDFFragment] = []
            for fragment in row.sorted(by: { $0.x1 < $1.x1 }) {
                if var last = merged.last {
                    let size = max(last.fontSize, fragment.fontSize, 1)
                    if fragment.x1 - last.x2 <= gapFactor * size || ListMarker.isBareMarker(last.text) {
                        last.absorb(fragment)
                        merged[merged.count - 1] = last
                        continue
                    }
                }
                merged.append(fragment)
            }
            return merged
        }
    }

    /// Step 3: a run of multi-fragment rows as a table (or as text columns), nil when no gutter runs through it.
    static func table(_ rows: [[PDFFragment]]) -> [PDFPageItem]? {
        var intervals = rows.flatMap { $0.map { (start: $0.x1, end: $0.x2) } }.sorted { $0.start < $1.start }
        var columns: [(start: Double, end: Double)] = []
        for interval in intervals {
            if let last = columns.last, interval.start <= last.end + 1 {
                columns[columns.count - 1].end = max(last.end, interval.end)
            } else {
                columns.append(interval)
            }
        }
        intervals.removeAll()
        guard columns.count >= 2 else { return nil }
        func column(of fragment: PDFFragment) -> Int {
            let center = (fragment.x1 + fragment.x2) / 2
            return columns.firstIndex { center >= $0.start - 1 && center <= $0.end + 1 } ?? 0
        }
        let cells = rows.flatMap { $0 }
        let words = Double(cells.reduce(0) { $0 + $1.wordCount }) / Double(max(cells.count, 1))
        if words >= textColumnWords {
            var items: [PDFPageItem] = []
            for index in columns.indices {
                for row in rows {
                    let inColumn = row.filter { column(of: $0) == index }
                    if !inColumn.isEmpty { items.append(.line(joined(inColumn))) }
                }
            }
            return items
        }
        let table = rows.map { row -> [String] in
            var texts = Array(repeating: "", count: columns.count)
            for fragment in row {
                let index = column(of: fragment)
                texts[index] += (texts[index].isEmpty ? "" : " ") + fragment.text
            }
            return texts
        }
        return [.table(rows: table)]
    }

    private static func joined(_ row: [PDFFragment]) -> PDFFragment {
        var line = row[0]
        for fragment in row.dropFirst() { line.absorb(fragment) }
        return line
    }

    private static func gap(_ upper: [PDFFragment], _ lower: [PDFFragment]) -> Double {
        let bottom = upper.map(\.y2).max() ?? 0
        let top = lower.map(\.y1).min() ?? 0
        return top - bottom
    }

    private static func lineHeight(_ row: [PDFFragment]) -> Double {
        row.map(\.height).max() ?? 1
    }
}

/// List markers at the start of a line of PDF text.
enum ListMarker {
    static let bullets: Set<Character> = ["•", "◦", "▪", "▫", "‣", "●", "○", "■", "□", "–", "-", "*", "·", "◆", "►", "✓"]
    /// Bullets that never start a word, so text may follow them without a space ("•A standard way").
    static let symbolBullets: Set<Character> = ["•", "◦", "▪", "▫", "‣", "●", "○", "■", "□", "◆", "►", "✓"]

    /// A bullet alone, or an ordinal (`1.`, `12)`, `a.`, `iv)`) alone.
    static func isBareMarker(_ text: String) -> Bool {
        guard let marker = split(text) else { return false }
        return marker.rest.isEmpty
    }

    /// The marker and the text after it, when the text starts with a bullet or an ordinal and a space (or with a
    /// symbol bullet); `symbol` tells a symbol bullet, which no code or prose line starts with.
    static func split(_ text: String) -> (ordered: Bool, symbol: Bool, rest: String)? {
        guard let first = text.first else { return nil }
        if bullets.contains(first) {
            let rest = text.dropFirst()
            let symbol = symbolBullets.contains(first)
            guard rest.isEmpty || rest.first?.isWhitespace == true || symbol else { return nil }
            return (false, symbol, String(rest).trimmingWhitespace())
        }
        let head = text.prefix { !$0.isWhitespace }
        guard head.count >= 2, head.count <= 5, let last = head.last, last == "." || last == ")" else { return nil }
        let body = head.dropLast()
        let isNumber = body.allSatisfy { $0.isASCII && $0.isNumber }
        let isLetter = body.count == 1 && body.allSatisfy { $0.isASCII && $0.isLowercase }
        let isRoman = body.allSatisfy { "ivxl".contains($0) }
        guard isNumber || isLetter || isRoman else { return nil }
        return (true, false, String(text.dropFirst(head.count)).trimmingWhitespace())
    }
}
