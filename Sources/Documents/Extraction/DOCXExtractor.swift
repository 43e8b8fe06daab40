import Foundation

/// Word documents: the main part (`word/document.xml`, found through the package relationships) read with
/// libxml2's XML reader, with `styles.xml` and `numbering.xml` to understand paragraph styles.
///
/// - Headings: a paragraph whose style is named `heading N` or `Title` (level 1), or that has (itself or through
///   its style's `basedOn` chain) an outline level 0–5, is a heading of level N (outline level + 1).
/// - Lists: a paragraph with numbering (`w:numPr`, its own or its style's, numId ≠ 0) is a list item; its depth is
///   `w:ilvl`, or N − 1 for styles named like `List Bullet N`; it is ordered unless the level's `w:numFmt` is
///   `bullet` or `none`. A style named like `Quote` makes a quote.
/// - Tables: `w:tbl` rows and cells; a cell's paragraphs join with spaces; a nested table joins its cell's text.
/// - Text: `w:t` of runs (inside hyperlinks, insertions, content controls too); deleted and moved-away text, field
///   codes and the `mc:Fallback` copies of drawings are skipped; a text box's paragraphs become blocks of their own.
/// - Pages: when Word recorded `w:lastRenderedPageBreak` markers, each block's page is 1 + the markers before its
///   first text; otherwise explicit page breaks (`<w:br w:type="page"/>`) count; with neither, pages are nil.
enum DOCXExtractor {
    static func extract(_ bytes: Data, limits: ExtractionLimits) throws(DocumentError) -> ExtractedDocument {
        var package = try ZipPackage(bytes, format: .docx, limits: limits)
        let main = try OOXML.mainPart(in: &package, format: .docx, limits: limits, fallback: "word/document.xml")
        guard let document = try package.read(main) else {
            throw .damaged(.docx, reason: "it has no document part (\(main))")
        }
        let related = try OOXML.relationships(of: main, in: &package, format: .docx, limits: limits)
        func part(_ kind: String, fallback: String) -> String {
            related.first { $0.kind == kind }?.target ?? fallback
        }
        let styles = try package.read(part("styles", fallback: "word/styles.xml")).map { data throws(DocumentError) in
            try WordStyles(data, limits: limits)
        } ?? WordStyles()
        let numbering = try package.read(part("numbering", fallback: "word/numbering.xml")).map { data throws(DocumentError) in
            try WordNumbering(data, limits: limits)
        } ?? WordNumbering()
        var reader = BodyReader(styles: styles, numbering: numbering, limits: limits)
        try XMLPartWalker.walk(document, part: main, format: .docx, limits: limits) { event, attributes throws(DocumentError) in
            try reader.handle(event, attributes)
        }
        let (blocks, pageCount) = reader.pagedBlocks()
        guard !blocks.isEmpty else { throw .noText(.docx) }
        let title = try OOXML.title(in: &package, format: .docx, limits: limits)
        return ExtractedDocument(blocks: blocks, pageCount: pageCount, title: title)
    }

    /// The `w:body` walk: paragraphs (a stack, since a text box's paragraphs sit inside a run of another), tables.
    private struct BodyReader {
        let styles: WordStyles
        let numbering: WordNumbering
        var collector: BlockCollector

        struct Paragraph {
            var style: String?
            var outlineLevel: Int?
            var numberingID: String?
            var level: Int?
            var text = ""
            /// Page-break counts (rendered, explicit) when its first text arrived.
            var breaks: (rendered: Int, explicit: Int)?
        }
        var paragraphs: [Paragraph] = []
        /// Open tables: depth, and the outermost one's rows and current cell.
        var tableDepth = 0
        var rows: [[String]] = []
        var cell = ""
        var tableBreaks: (rendered: Int, explicit: Int)?
        /// Every block's page-break counts, parallel to `collector.blocks`.
        var blockBreaks: [(rendered: Int, explicit: Int)] = []
        var renderedBreaks = 0
        var explicitBreaks = 0
        var inText = false
        /// Depth inside skipped elements: `mc:Fallback` (a copy of the `mc:Choice` before it), deleted and moved-away
        /// text, field codes, run properties.
        var skipping = 0

        init(styles: WordStyles, numbering: WordNumbering, limits: ExtractionLimits) {
            self.styles = styles
            self.numbering = numbering
            collector = BlockCollector(limits: limits)
        }

        var breaks: (rendered: Int, explicit: Int) { (renderedBreaks, explicitBreaks) }

        mutating func handle(_ event: XMLEvent, _ attributes: XMLAttributes) throws(DocumentError) {
            switch event {
            case .start(let name):
                if skipping > 0 || Self.isSkipped(name) { skipping += 1; return }
                guard OOXML.wordprocessing.contains(name.namespace) else { return }
                start(name.local, namespace: name.namespace, attributes)
            case .end(let name):
                if skipping > 0 { skipping -= 1; return }
                guard OOXML.wordprocessing.contains(name.namespace) else { return }
                try end(name.local)
            case .text(let text):
                guard skipping == 0, inText else { return }
                appendText(text)
            }
        }

        static func isSkipped(_ name: XMLName) -> Bool {
            if name.namespace == OOXML.markupCompatibility { return name.local == "Fallback" }
            guard OOXML.wordprocessing.contains(name.namespace) else { return false }
            return ["del", "moveFrom", "instrText", "rPr"].contains(name.local)
        }

        /// Attributes such as `w:val` share their element's namespace.
        mutating func start(_ local: String, namespace: String, _ attributes: XMLAttributes) {
            let value = { attributes.value("val", namespace: namespace) }
            switch local {
            case "p":
                paragraphs.append(Paragraph())
            case "pStyle":
                if !paragraphs.isEmpty { paragraphs[paragraphs.count - 1].style = value() }
            case "outlineLvl":
                if !paragraphs.isEmpty { paragraphs[paragraphs.count - 1].outlineLevel = value().flatMap { Int($0) } }
            case "numId":
                if !paragraphs.isEmpty { paragraphs[paragraphs.count - 1].numberingID = value() }
            case "ilvl":
                if !paragraphs.isEmpty { paragraphs[paragraphs.count - 1].level = value().flatMap { Int($0) } }
            case "t":
                inText = true
            case "tab", "ptab":
                appendText("\t")
            case "br", "cr":
                if local == "br", attributes.value("type", namespace: namespace) == "page" {
                    explicitBreaks += 1
                } else {
                    appendText(" ")
                }
            case "noBreakHyphen":
                appendText("-")
            case "lastRenderedPageBreak":
                renderedBreaks += 1
            case "tbl":
                tableDepth += 1
                if tableDepth == 1 { rows = []; tableBreaks = nil }
            case "tr":
                if tableDepth == 1 { rows.append([]) }
            case "tc":
                if tableDepth == 1 { cell = "" }
            default:
                break
            }
        }

        mutating func end(_ local: String) throws(DocumentError) {
            switch local {
            case "t":
                inText = false
            case "p":
                guard let paragraph = paragraphs.popLast() else { return }
                try finish(paragraph)
            case "tc":
                if tableDepth == 1 {
                    if rows.isEmpty { rows.append([]) }
                    rows[rows.count - 1].append(cell)
                }
            case "tbl":
                tableDepth -= 1
                if tableDepth == 0 {
                    let before = collector.blocks.count
                    try collector.appendTable(rows)
                    if collector.blocks.count > before { blockBreaks.append(tableBreaks ?? breaks) }
                    rows = []
                }
            default:
                break
            }
        }

        mutating func appendText(_ text: String) {
            guard !paragraphs.isEmpty else { return }
            let index = paragraphs.count - 1
            if paragraphs[index].breaks == nil, text.contains(where: { !$0.isWhitespace }) {
                paragraphs[index].breaks = breaks
            }
            paragraphs[index].text += text
        }

        /// A paragraph becomes a cell's text inside a table (but a text box's paragraph a block), else a block.
        mutating func finish(_ paragraph: Paragraph) throws(DocumentError) {
            if tableDepth > 0, paragraphs.isEmpty {
                if tableBreaks == nil { tableBreaks = paragraph.breaks }
                cell += (cell.isEmpty ? "" : " ") + paragraph.text
                return
            }
            let before = collector.blocks.count
            try collector.append(kind(of: paragraph), text: paragraph.text)
            if collector.blocks.count > before { blockBreaks.append(paragraph.breaks ?? breaks) }
        }

        func kind(of paragraph: Paragraph) -> DocumentBlock.Kind {
            let style = paragraph.style.flatMap { styles.styles[$0] }
            if let outline = paragraph.outlineLevel, (0...5).contains(outline) { return .heading(level: outline + 1) }
            if let level = styles.headingLevel(paragraph.style) { return .heading(level: level) }
            let numberingID = paragraph.numberingID ?? styles.numbering(paragraph.style)?.id
            if let numberingID, numberingID != "0" {
                let level = paragraph.level ?? styles.numbering(paragraph.style)?.level ?? 0
                let depth = max(level, style?.listDepth ?? 0)
                return .listItem(depth: min(depth, 8), ordered: numbering.isOrdered(numberingID, level: level))
            }
            if let name = style?.name.lowercased(), name.contains("quote") { return .quote }
            return .paragraph
        }

        /// Blocks with their pages, and the page count, by the rule in the type's comment.
        func pagedBlocks() -> ([DocumentBlock], Int?) {
            var blocks = collector.blocks
            let useRendered = renderedBreaks > 0
            let total = useRendered ? renderedBreaks : explicitBreaks
            guard total > 0 else { return (blocks, nil) }
            for index in blocks.indices where index < blockBreaks.count {
                blocks[index].page = 1 + (useRendered ? blockBreaks[index].rendered : blockBreaks[index].explicit)
            }
            return (blocks, 1 + total)
        }
    }
}

/// Paragraph styles of `styles.xml`: names, outline levels, numbering and `basedOn` parents.
struct WordStyles {
    struct Style {
        var name = ""
        var basedOn: String?
        var outlineLevel: Int?
        var numbering: (id: String?, level: Int?)
        /// N − 1 for names like `List Bullet N` / `List Number N`.
        var listDepth: Int {
            guard name.lowercased().hasPrefix("list"), let last = name.split(separator: " ").last,
                  let n = Int(last), n >= 2 else { return 0 }
            return n - 1
        }
    }
    private(set) var styles: [String: Style] = [:]

    init() {}

    init(_ data: Data, limits: ExtractionLimits) throws(DocumentError) {
        var current: (id: String, style: Style)?
        var parsed: [String: Style] = [:]
        try XMLPartWalker.walk(data, part: "word/styles.xml", format: .docx, limits: limits) { event, attributes throws(DocumentError) in
            switch event {
            case .start(let name) where OOXML.wordprocessing.contains(name.namespace):
                let ns = name.namespace
                let value = attributes.value("val", namespace: ns)
                switch name.local {
                case "style":
                    current = attributes.value("styleId", namespace: ns).map { ($0, Style(numbering: (nil, nil))) }
                case "name": current?.style.name = value ?? ""
                case "basedOn": current?.style.basedOn = value
                case "outlineLvl": current?.style.outlineLevel = value.flatMap { Int($0) }
                case "numId": current?.style.numbering.id = value
                case "ilvl": current?.style.numbering.level = value.flatMap { Int($0) }
                default: break
                }
            case .end(let name) where name.local == "style" && OOXML.wordprocessing.contains(name.namespace):
                if let current, parsed[current.id] == nil { parsed[current.id] = current.style }
                current = nil
            default:
                break
            }
        }
        styles = parsed
    }

    /// The heading level a style gives, through its `basedOn` chain (at most 16 links: chains may loop). A style
    /// id missing from `styles.xml` (or a package without one) is read as a name: `Heading1`…`Heading6`, `Title`.
    func headingLevel(_ id: String?) -> Int? {
        var id = id
        for _ in 0..<16 {
            guard let key = id else { return nil }
            guard let style = styles[key] else { return Self.headingLevel(styleName: key.lowercased()) }
            if let level = Self.headingLevel(styleName: style.name.lowercased()) { return level }
            if let outline = style.outlineLevel, (0...5).contains(outline) { return outline + 1 }
            id = style.basedOn
        }
        return nil
    }

    /// `title` is 1, `heading N` (or `headingN`) is N for N in 1…6.
    private static func headingLevel(styleName name: String) -> Int? {
        if name == "title" { return 1 }
        guard name.hasPrefix("heading") else { return nil }
        let number = name.dropFirst(7).trimmingCharacters(in: .whitespaces)
        guard let level = Int(number), (1...6).contains(level) else { return nil }
        return level
    }

    /// The numbering a style carries, through its `basedOn` chain.
    func numbering(_ id: String?) -> (id: String, level: Int?)? {
        var id = id
        for _ in 0..<16 {
            guard let key = id, let style = styles[key] else { return nil }
            if let numberingID = style.numbering.id { return (numberingID, style.numbering.level) }
            id = style.basedOn
        }
        return nil
    }
}

/// `numbering.xml`: which numbering instance (numId) at which level is a bullet.
struct WordNumbering {
    /// numId → abstractNumId.
    private var instances: [String: String] = [:]
    /// abstractNumId → level → numFmt.
    private var formats: [String: [Int: String]] = [:]

    init() {}

    init(_ data: Data, limits: ExtractionLimits) throws(DocumentError) {
        var abstract: String?
        var level: Int?
        var instance: String?
        var instances: [String: String] = [:]
        var formats: [String: [Int: String]] = [:]
        try XMLPartWalker.walk(data, part: "word/numbering.xml", format: .docx, limits: limits) { event, attributes throws(DocumentError) in
            guard case .start(let name) = event, OOXML.wordprocessing.contains(name.namespace) else {
                if case .end(let name) = event, name.local == "num" { instance = nil }
                return
            }
            let ns = name.namespace
            switch name.local {
            case "abstractNum": abstract = attributes.value("abstractNumId", namespace: ns)
            case "lvl": level = attributes.value("ilvl", namespace: ns).flatMap { Int($0) }
            case "numFmt":
                if let abstract, let level, instance == nil, let format = attributes.value("val", namespace: ns) {
                    formats[abstract, default: [:]][level] = format
                }
            case "num": instance = attributes.value("numId", namespace: ns)
            case "abstractNumId":
                if let instance, let value = attributes.value("val", namespace: ns) { instances[instance] = value }
            default: break
            }
        }
        self.instances = instances
        self.formats = formats
    }

    /// Unknown numbering counts as a bullet list.
    func isOrdered(_ numberingID: String, level: Int) -> Bool {
        guard let abstract = instances[numberingID], let format = formats[abstract]?[level] else { return false }
        return format != "bullet" && format != "none"
    }
}
