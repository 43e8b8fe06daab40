import CCMark

/// Markdown through cmark-gfm (CommonMark plus GitHub's table extension), walked with cmark's iterator (no
/// recursion): ATX/setext headings, paragraphs, list items with their depth and kind (an item's later paragraphs
/// join its first), fenced and indented code with the fence's language, block quotes, GFM tables cell by cell.
/// Inline markup is reduced to its text; images become `![alt](source)`; raw HTML blocks keep their text without
/// tags; thematic breaks are dropped.
enum MarkdownExtractor {
    /// cmark-gfm's extension registry is a process global filled without a lock: fill it exactly once.
    private static let tableExtensionRegistered: Bool = {
        cmark_gfm_core_extensions_ensure_registered()
        return cmark_find_syntax_extension("table") != nil
    }()

    static func extract(_ text: String, limits: ExtractionLimits) throws(DocumentError) -> ExtractedDocument {
        guard tableExtensionRegistered, let parser = cmark_parser_new(CMARK_OPT_DEFAULT) else {
            throw .damaged(.markdown, reason: "the Markdown parser could not start")
        }
        defer { cmark_parser_free(parser) }
        if let table = cmark_find_syntax_extension("table") { cmark_parser_attach_syntax_extension(parser, table) }
        var utf8 = text
        utf8.withUTF8 { bytes in
            bytes.withMemoryRebound(to: CChar.self) { cmark_parser_feed(parser, $0.baseAddress, $0.count) }
        }
        guard let root = cmark_parser_finish(parser) else {
            throw .damaged(.markdown, reason: "the Markdown parser failed")
        }
        defer { cmark_node_free(root) }
        var walker = Walker(limits: limits)
        try walker.walk(root)
        guard !walker.collector.blocks.isEmpty else { throw .noText(.markdown) }
        return ExtractedDocument(blocks: walker.collector.blocks)
    }

    /// The walk's state: open lists, items and quotes, the inline text being gathered, the table being built.
    private struct Walker {
        var collector: BlockCollector
        let limits: ExtractionLimits
        /// Whether each open list is ordered, outermost first.
        var lists: [Bool] = []
        /// For each open list item, the index in `collector.blocks` of the block it produced so far.
        var items: [Int?] = []
        var quoteDepth = 0
        /// Containers entered and not yet exited.
        var depth = 0
        var inline = ""
        /// Where each open image's alt text starts in `inline` (UTF-8 offset), with its source.
        var images: [(start: Int, source: String)] = []
        var tableRows: [[String]]? = nil

        init(limits: ExtractionLimits) {
            self.limits = limits
            collector = BlockCollector(limits: limits)
        }

        mutating func walk(_ root: OpaquePointer) throws(DocumentError) {
            guard let iterator = cmark_iter_new(root) else {
                throw .damaged(.markdown, reason: "the Markdown tree cannot be walked")
            }
            defer { cmark_iter_free(iterator) }
            while true {
                let event = cmark_iter_next(iterator)
                if event == CMARK_EVENT_DONE || event == CMARK_EVENT_NONE { break }
                guard let node = cmark_iter_get_node(iterator) else { continue }
                let type = cmark_node_get_type(node)
                if event == CMARK_EVENT_ENTER {
                    if !Self.isLeaf(type) {
                        depth += 1
                        if depth > limits.maxNestingDepth {
                            throw .limitExceeded(.nestingDepth, limit: limits.maxNestingDepth)
                        }
                    }
                    try enter(node, type: type)
                } else {
                    depth -= 1
                    try exit(node, type: type)
                }
            }
        }

        /// The node types cmark's iterator visits once, with no exit event.
        static func isLeaf(_ type: cmark_node_type) -> Bool {
            type == CMARK_NODE_CODE_BLOCK || type == CMARK_NODE_HTML_BLOCK || type == CMARK_NODE_THEMATIC_BREAK
                || type == CMARK_NODE_TEXT || type == CMARK_NODE_SOFTBREAK || type == CMARK_NODE_LINEBREAK
                || type == CMARK_NODE_CODE || type == CMARK_NODE_HTML_INLINE || type == CMARK_NODE_FOOTNOTE_REFERENCE
        }

        mutating func enter(_ node: OpaquePointer, type: cmark_node_type) throws(DocumentError) {
            switch type {
            case CMARK_NODE_LIST:
                lists.append(cmark_node_get_list_type(node) == CMARK_ORDERED_LIST)
            case CMARK_NODE_ITEM:
                items.append(nil)
            case CMARK_NODE_BLOCK_QUOTE:
                quoteDepth += 1
            case CMARK_NODE_PARAGRAPH, CMARK_NODE_HEADING:
                inline = ""
            case CMARK_NODE_TEXT, CMARK_NODE_CODE:
                inline += Self.literal(node)
            case CMARK_NODE_SOFTBREAK, CMARK_NODE_LINEBREAK:
                inline += " "
            case CMARK_NODE_IMAGE:
                images.append((inline.utf8.count, Self.string(cmark_node_get_url(node))))
            case CMARK_NODE_CODE_BLOCK:
                let info = Self.string(cmark_node_get_fence_info(node))
                let language = info.split(whereSeparator: \.isWhitespace).first.map(String.init)
                try collector.append(.code(language: language), text: Self.literal(node))
            case CMARK_NODE_HTML_BLOCK:
                let html = Self.literal(node)
                if !html.hasPrefix("<!--") { try collector.append(.paragraph, text: Self.strippingTags(html)) }
            default:
                switch Self.string(cmark_node_get_type_string(node)) {
                case "table": tableRows = []
                case "table_header", "table_row": tableRows?.append([])
                case "table_cell": inline = ""
                default: break
                }
            }
        }

        mutating func exit(_ node: OpaquePointer, type: cmark_node_type) throws(DocumentError) {
            switch type {
            case CMARK_NODE_LIST:
                lists.removeLast()
            case CMARK_NODE_ITEM:
                items.removeLast()
            case CMARK_NODE_BLOCK_QUOTE:
                quoteDepth -= 1
            case CMARK_NODE_HEADING:
                try collector.append(.heading(level: Int(cmark_node_get_heading_level(node))), text: inline)
                inline = ""
            case CMARK_NODE_PARAGRAPH:
                try finishParagraph()
            case CMARK_NODE_IMAGE:
                guard let image = images.popLast() else { return }
                let alt = String(decoding: inline.utf8.dropFirst(image.start), as: UTF8.self)
                inline = String(decoding: inline.utf8.prefix(image.start), as: UTF8.self)
                    + "![\(alt)](\(image.source))"
            default:
                switch Self.string(cmark_node_get_type_string(node)) {
                case "table":
                    if let rows = tableRows { try collector.appendTable(rows) }
                    tableRows = nil
                case "table_cell":
                    if var rows = tableRows, !rows.isEmpty {
                        rows[rows.count - 1].append(inline)
                        tableRows = rows
                    }
                    inline = ""
                default: break
                }
            }
        }

        /// A paragraph is a list item's text inside an item (joining the item's earlier text), a quote inside a
        /// block quote, else a paragraph.
        mutating func finishParagraph() throws(DocumentError) {
            defer { inline = "" }
            if let item = items.indices.last, let ordered = lists.last {
                if let index = items[item], index == collector.blocks.count - 1 {
                    try collector.extendLast(with: inline)
                } else {
                    try collector.append(.listItem(depth: lists.count - 1, ordered: ordered), text: inline)
                    if !collector.blocks.isEmpty { items[item] = collector.blocks.count - 1 }
                }
            } else {
                try collector.append(quoteDepth > 0 ? .quote : .paragraph, text: inline)
            }
        }

        static func literal(_ node: OpaquePointer) -> String { string(cmark_node_get_literal(node)) }

        static func string(_ pointer: UnsafePointer<CChar>?) -> String {
            pointer.map { String(cString: $0) } ?? ""
        }

        /// Text outside `<...>`: enough for the rare raw HTML block in a Markdown file.
        static func strippingTags(_ html: String) -> String {
            var output = ""
            var inTag = false
            for character in html {
                if character == "<" { inTag = true } else if character == ">" { inTag = false; output += " " }
                else if !inTag { output.append(character) }
            }
            return output
        }
    }
}
