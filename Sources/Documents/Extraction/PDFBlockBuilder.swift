/// Turns the pages' lines and tables into blocks, once every page is read (heading sizes are a property of the
/// whole document).
///
/// - Body size: the font size most characters of the document have. Headings: lines of at most 25 words whose
///   size is at least `headingRatio` × the body size; the distinct heading sizes, largest first, are levels 1…6.
///   Consecutive heading lines of one size (a wrapped title) make one heading. On pages poppler gives no font
///   sizes for, no headings.
/// - Code: consecutive lines set mostly in a monospaced font (line breaks kept; a gap of a blank line or more
///   within 2.5 lines becomes a blank line), unless the line starts with a symbol bullet (`•`): a list item.
/// - List items: a line starting with a bullet (`•`, `–`, ...), or with an ordinal (`1.`, `b)`) where a paragraph
///   could start; following lines that are indented past the marker continue the item; depth from the
///   indentation relative to the list's first item.
/// - Paragraphs: lines join until the gap to the next line exceeds the page's usual line gap (its lower
///   quartile) by `paragraphGapFactor` × the font size, the font size changes, the next line is indented as a
///   first line, or the text moves up (the next column). A hyphen at a line's end before a lower-case letter is
///   removed ("exam-" + "ple" → "example").
/// - Page furniture in the top or bottom `marginShare` of the page is dropped: a line that is only a page number
///   ("3", "iv", "Page 3", "3 of 10"), and a running header or footer, a line whose text (digits aside) recurs in
///   the margins of at least 3 pages.
struct PDFBlockBuilder {
    static let headingRatio = 1.15
    static let paragraphGapFactor = 0.35
    static let marginShare = 0.08

    struct Page {
        var number: Int
        var height: Double
        var items: [PDFPageItem]
        /// Whether poppler gave font sizes for the page's text (else no line of it is a heading).
        var fontSizesKnown = true
    }

    private var collector: BlockCollector
    private let headingLevels: [Double: Int]
    /// Running headers and footers, by `furnitureKey`.
    private let runningLines: Set<String>

    /// The blocks of the document's pages, in order.
    static func blocks(of pages: [Page], limits: ExtractionLimits) throws(DocumentError) -> [DocumentBlock] {
        var builder = PDFBlockBuilder(pages: pages, limits: limits)
        for page in pages { try builder.add(page) }
        return builder.collector.blocks
    }

    private init(pages: [Page], limits: ExtractionLimits) {
        collector = BlockCollector(limits: limits)
        var pagesByLine: [String: Set<Int>] = [:]
        for page in pages {
            for case .line(let line) in page.items where Self.isInMargin(line, pageHeight: page.height) {
                pagesByLine[Self.furnitureKey(line.text), default: []].insert(page.number)
            }
        }
        runningLines = Set(pagesByLine.filter { !$0.key.isEmpty && $0.value.count >= 3 }.keys)
        var glyphsBySize: [Double: Int] = [:]
        for page in pages where page.fontSizesKnown {
            for case .line(let line) in page.items { glyphsBySize[line.fontSize, default: 0] += line.glyphCount }
        }
        guard let body = glyphsBySize.max(by: { $0.value < $1.value || ($0.value == $1.value && $0.key > $1.key) })?.key,
              body > 0
        else {
            headingLevels = [:]
            return
        }
        var headingSizes: Set<Double> = []
        for page in pages where page.fontSizesKnown {
            for case .line(let line) in page.items
            where line.fontSize >= Self.headingRatio * body && line.wordCount <= 25 && !line.monospace {
                headingSizes.insert(line.fontSize)
            }
        }
        var levels: [Double: Int] = [:]
        for (rank, size) in headingSizes.sorted(by: >).enumerated() { levels[size] = min(rank + 1, 6) }
        headingLevels = levels
    }

    /// The state of the block being built.
    private enum Open {
        case none
        case heading(level: Int, text: String, size: Double)
        case paragraph(text: String)
        case listItem(depth: Int, ordered: Bool, text: String, markerX: Double)
        case code(text: String)
    }

    private mutating func add(_ page: Page) throws(DocumentError) {
        let normalGap = Self.usualLineGap(page)
        var open = Open.none
        var previous: PDFFragment?
        var listBaseX: Double?
        for item in page.items {
            guard case .line(let line) = item else {
                if case .table(let rows) = item {
                    try close(&open, page: page.number)
                    try collector.appendTable(rows, page: page.number)
                    previous = nil
                }
                continue
            }
            if Self.isInMargin(line, pageHeight: page.height),
               Self.isPageNumber(line.text) || runningLines.contains(Self.furnitureKey(line.text)) {
                continue
            }
            let gap = previous.map { line.y1 - $0.y2 } ?? .infinity
            let size = max(line.fontSize, 1)
            let level = page.fontSizesKnown && line.wordCount <= 25 && !line.monospace ? headingLevels[line.fontSize] : nil
            defer { previous = line }
            if let level {
                if case .heading(let openLevel, let text, let openSize) = open, openLevel == level,
                   gap >= 0, gap <= 0.6 * openSize {
                    open = .heading(level: level, text: text + " " + line.text, size: openSize)
                } else {
                    try close(&open, page: page.number)
                    open = .heading(level: level, text: line.text, size: line.fontSize)
                }
                continue
            }
            let marker = ListMarker.split(line.text)
            if line.monospace, !(marker.map { !$0.rest.isEmpty && $0.symbol } ?? false) {
                if case .code(let text) = open, gap >= 0, gap <= 2.5 * size {
                    open = .code(text: text + (gap > 0.8 * size ? "\n\n" : "\n") + line.text)
                } else {
                    try close(&open, page: page.number)
                    open = .code(text: line.text)
                }
                continue
            }
            let breaks = previous.map { Self.isParagraphBreak($0, line, gap: gap, normalGap: normalGap) } ?? true
            if let marker, !marker.rest.isEmpty, !marker.ordered || breaks || isOrderedItem(open) {
                try close(&open, page: page.number)
                let base = min(listBaseX ?? line.x1, line.x1)
                listBaseX = base
                let steps = ((line.x1 - base) / (1.2 * size)).rounded()
                let depth = steps.isFinite ? Int(min(max(steps, 0), 8)) : 0
                open = .listItem(depth: depth, ordered: marker.ordered, text: marker.rest, markerX: line.x1)
                continue
            }
            switch open {
            case .listItem(let depth, let ordered, let text, let markerX)
                where gap >= 0 && gap <= normalGap + Self.paragraphGapFactor * size && line.x1 > markerX + 0.5:
                open = .listItem(depth: depth, ordered: ordered, text: Self.join(text, line.text), markerX: markerX)
            case .paragraph(let text) where !breaks:
                open = .paragraph(text: Self.join(text, line.text))
            default:
                try close(&open, page: page.number)
                listBaseX = nil
                open = .paragraph(text: line.text)
            }
        }
        try close(&open, page: page.number)
    }

    private func isOrderedItem(_ open: Open) -> Bool {
        if case .listItem(_, true, _, _) = open { return true }
        return false
    }

    private mutating func close(_ open: inout Open, page: Int) throws(DocumentError) {
        switch open {
        case .none: break
        case .heading(let level, let text, _): try collector.append(.heading(level: level), text: text, page: page)
        case .paragraph(let text): try collector.append(.paragraph, text: text, page: page)
        case .listItem(let depth, let ordered, let text, _):
            try collector.append(.listItem(depth: depth, ordered: ordered), text: text, page: page)
        case .code(let text): try collector.append(.code(language: nil), text: text, page: page)
        }
        open = .none
    }

    static func isParagraphBreak(_ previous: PDFFragment, _ line: PDFFragment, gap: Double, normalGap: Double) -> Bool {
        let size = max(line.fontSize, 1)
        if gap < -0.5 * size { return true }  // moved up: the next column
        if gap > normalGap + paragraphGapFactor * size { return true }
        if abs(line.fontSize - previous.fontSize) >= 1 { return true }
        return line.x1 > previous.x1 + 0.8 * size  // first-line indent
    }

    /// The lower quartile of the gaps between consecutive lines of the page (0.2 em when there are none).
    static func usualLineGap(_ page: Page) -> Double {
        var gaps: [Double] = []
        var previous: PDFFragment?
        for case .line(let line) in page.items {
            if let previous, abs(previous.fontSize - line.fontSize) < 1 {
                let gap = line.y1 - previous.y2
                if gap >= -0.5 * line.fontSize && gap < 3 * line.fontSize { gaps.append(gap) }
            }
            previous = line
        }
        guard !gaps.isEmpty else { return 0.2 * (previous?.fontSize ?? 10) }
        gaps.sort()
        return max(gaps[gaps.count / 4], 0)
    }

    /// Line joining with de-hyphenation.
    static func join(_ text: String, _ next: String) -> String {
        if let last = text.last, last == "-" || last == "\u{AD}",
           text.dropLast().last?.isLetter == true, next.first?.isLowercase == true {
            return String(text.dropLast()) + next
        }
        return text + " " + next
    }

    static func isInMargin(_ line: PDFFragment, pageHeight: Double) -> Bool {
        pageHeight > 0 && (line.y2 < marginShare * pageHeight || line.y1 > (1 - marginShare) * pageHeight)
    }

    /// A line's text with digits removed and case folded, so "Page 3" and "Page 4" of one footer match.
    static func furnitureKey(_ text: String) -> String {
        BlockCollector.collapsingWhitespace(String(text.lowercased().filter { !$0.isNumber }))
    }

    static func isPageNumber(_ text: String) -> Bool {
        let words = text.lowercased().split(separator: " ")
        let isNumber: (Substring) -> Bool = { word in
            !word.isEmpty && (word.allSatisfy { $0.isASCII && $0.isNumber } || word.count <= 6 && word.allSatisfy { "ivxlc".contains($0) })
        }
        switch words.count {
        case 1: return isNumber(words[0])
        case 2: return words[0] == "page" && isNumber(words[1])
        case 3: return isNumber(words[0]) && words[1] == "of" && isNumber(words[2])
        case 4: return words[0] == "page" && isNumber(words[1]) && words[2] == "of" && isNumber(words[3])
        default: return false
        }
    }
}
