import Foundation

/// PowerPoint presentations: slides in the order of `ppt/presentation.xml`'s `p:sldIdLst`, each found through the
/// presentation's relationships and read with libxml2's XML reader; the slide number is the block's page.
///
/// - A slide's title placeholder (`title`, `ctrTitle`) becomes a level-1 heading, put first; a slide with content
///   but no title gets the heading "Slide N", so its text is not filed under the previous slide's title.
/// - Paragraphs of body and content placeholders are list items (the master gives them bullets) at depth
///   `a:pPr@lvl`, ordered with `a:buAutoNum`, plain paragraphs with `a:buNone`; paragraphs of text boxes and
///   other placeholders (subtitle, ...) are paragraphs unless they carry `a:buChar`/`a:buAutoNum`.
/// - Tables (`a:tbl` in a graphic frame) keep their cells; date, footer, header and slide-number placeholders and
///   speaker notes are left out.
enum PPTXExtractor {
    static func extract(_ bytes: Data, limits: ExtractionLimits) throws(DocumentError) -> ExtractedDocument {
        var package = try ZipPackage(bytes, format: .pptx, limits: limits)
        let main = try OOXML.mainPart(in: &package, format: .pptx, limits: limits, fallback: "ppt/presentation.xml")
        guard let presentation = try package.read(main) else {
            throw .damaged(.pptx, reason: "it has no presentation part (\(main))")
        }
        var slideIDs: [String] = []
        try XMLPartWalker.walk(presentation, part: main, format: .pptx, limits: limits) { event, attributes throws(DocumentError) in
            guard case .start(let name) = event, name.local == "sldId", OOXML.presentation.contains(name.namespace),
                  let id = OOXML.relationships.lazy.compactMap({ attributes.value("id", namespace: $0) }).first
            else { return }
            slideIDs.append(id)
        }
        guard slideIDs.count <= limits.maxPages else { throw .limitExceeded(.pages, limit: limits.maxPages) }
        let relationships = try OOXML.relationships(of: main, in: &package, format: .pptx, limits: limits)
        var collector = BlockCollector(limits: limits)
        for (index, id) in slideIDs.enumerated() {
            guard let part = relationships.first(where: { $0.id == id && $0.kind == "slide" })?.target,
                  let slide = try package.read(part)
            else { continue }
            var reader = SlideReader()
            try XMLPartWalker.walk(slide, part: part, format: .pptx, limits: limits) { event, attributes throws(DocumentError) in
                reader.handle(event, attributes)
            }
            try reader.emit(into: &collector, slideNumber: index + 1)
        }
        guard !collector.blocks.isEmpty else { throw .noText(.pptx) }
        let title = try OOXML.title(in: &package, format: .pptx, limits: limits)
        return ExtractedDocument(blocks: collector.blocks, pageCount: slideIDs.count, title: title)
    }

    /// One slide's shapes, in document order.
    private struct SlideReader {
        enum Bullet { case inherited, none, symbol, numbered }

        struct Paragraph {
            var text = ""
            var level = 0
            var bullet = Bullet.inherited
        }

        /// What a shape is, from its `p:ph` placeholder element.
        struct Shape {
            var placeholder: String?
            var isPlaceholder = false
            var paragraphs: [Paragraph] = []
        }

        enum Item {
            case shape(Shape)
            case table([[String]])
        }

        var items: [Item] = []
        var shape: Shape?
        var paragraph: Paragraph?
        var inText = false
        var rows: [[String]]?
        var cell: String?

        mutating func handle(_ event: XMLEvent, _ attributes: XMLAttributes) {
            switch event {
            case .start(let name):
                if OOXML.presentation.contains(name.namespace) {
                    switch name.local {
                    case "sp": shape = Shape()
                    case "ph":
                        shape?.isPlaceholder = true
                        shape?.placeholder = attributes.value("type", namespace: nil)
                    default: break
                    }
                } else if OOXML.drawing.contains(name.namespace) {
                    switch name.local {
                    case "tbl": rows = []
                    case "tr": rows?.append([])
                    case "tc": cell = ""
                    case "p": paragraph = Paragraph()
                    case "pPr": paragraph?.level = attributes.value("lvl", namespace: nil).flatMap { Int($0) } ?? 0
                    case "buNone": paragraph?.bullet = .none
                    case "buChar", "buBlip": paragraph?.bullet = .symbol
                    case "buAutoNum": paragraph?.bullet = .numbered
                    case "t": inText = true
                    case "br": paragraph?.text += " "
                    default: break
                    }
                }
            case .end(let name):
                if OOXML.presentation.contains(name.namespace), name.local == "sp" {
                    if let shape { items.append(.shape(shape)) }
                    shape = nil
                } else if OOXML.drawing.contains(name.namespace) {
                    switch name.local {
                    case "t": inText = false
                    case "p":
                        guard let finished = paragraph else { return }
                        paragraph = nil
                        if let text = cell {
                            cell = text + (text.isEmpty ? "" : " ") + finished.text
                        } else {
                            shape?.paragraphs.append(finished)
                        }
                    case "tc":
                        if let text = cell, var table = rows {
                            if table.isEmpty { table.append([]) }
                            table[table.count - 1].append(text)
                            rows = table
                        }
                        cell = nil
                    case "tbl":
                        if let table = rows { items.append(.table(table)) }
                        rows = nil
                    default: break
                    }
                }
            case .text(let text):
                if inText { paragraph?.text += text }
            }
        }

        static let titles: Set<String> = ["title", "ctrTitle"]
        static let skipped: Set<String> = ["dt", "ftr", "hdr", "sldNum"]
        static let bodies: Set<String> = ["body", "obj"]

        func emit(into collector: inout BlockCollector, slideNumber: Int) throws(DocumentError) {
            let title = items.compactMap { item -> String? in
                guard case .shape(let shape) = item, let type = shape.placeholder, Self.titles.contains(type) else {
                    return nil
                }
                return shape.paragraphs.map(\.text).joined(separator: " ")
            }.map(BlockCollector.collapsingWhitespace).first { !$0.isEmpty }
            var body: [(kind: DocumentBlock.Kind, text: String)] = []
            for item in items {
                switch item {
                case .table(let rows):
                    body.append((.table(rows: rows), ""))
                case .shape(let shape):
                    if let type = shape.placeholder, Self.titles.contains(type) || Self.skipped.contains(type) {
                        continue
                    }
                    let isBody = shape.isPlaceholder && (shape.placeholder.map(Self.bodies.contains) ?? true)
                    for paragraph in shape.paragraphs where paragraph.text.contains(where: { !$0.isWhitespace }) {
                        let listed: Bool = switch paragraph.bullet {
                        case .inherited: isBody
                        case .none: false
                        case .symbol, .numbered: true
                        }
                        let kind: DocumentBlock.Kind = listed
                            ? .listItem(depth: min(max(paragraph.level, 0), 8), ordered: paragraph.bullet == .numbered)
                            : .paragraph
                        body.append((kind, paragraph.text))
                    }
                }
            }
            guard title != nil || !body.isEmpty else { return }
            try collector.append(.heading(level: 1), text: title ?? "Slide \(slideNumber)", page: slideNumber)
            for block in body {
                if case .table(let rows) = block.kind {
                    try collector.appendTable(rows, page: slideNumber)
                } else {
                    try collector.append(block.kind, text: block.text, page: slideNumber)
                }
            }
        }
    }
}
