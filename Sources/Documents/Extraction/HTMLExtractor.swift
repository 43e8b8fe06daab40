import CLibXML2

/// HTML through libxml2's HTML parser (`HTML_PARSE_NONET | RECOVER | NOERROR | NOWARNING`, and `XML_PARSE_HUGE`
/// so that no depth cap of its own cuts the tree; read as UTF-8), then
/// one iterative walk of the DOM along parent/child/sibling links (no recursion, no stack of nodes):
/// `h1`–`h6` are headings, `p` and text directly in other block elements paragraphs, `li` list items (depth from
/// the enclosing `ul`/`ol`), `table`/`tr`/`td`/`th` tables (a table inside a cell joins that cell's text), `pre`
/// code (language from a `language-x`/`lang-x` class on it or its `code`), `blockquote` quotes; `<img>` becomes
/// `![alt](src)`. `head` (but its `<title>`), `script`, `style`, `nav`, `noscript`, `template`, `svg`, `iframe`
/// and `object` are dropped.
enum HTMLExtractor {
    static func extract(_ text: String, limits: ExtractionLimits) throws(DocumentError) -> ExtractedDocument {
        guard LibXML.ready else { throw .damaged(.html, reason: "the HTML parser could not start") }
        var utf8 = text
        guard utf8.utf8.count < Int32.max else { throw .limitExceeded(.textBytes, limit: limits.maxTextBytes) }
        // XML_PARSE_HUGE lifts libxml2's silent 256-level cap (the rest of a deeper page would be dropped), so the
        // walk's own depth limit applies; the HTML parser expands no declared entities, which HUGE would unguard.
        let options = Int32(HTML_PARSE_NONET.rawValue | HTML_PARSE_RECOVER.rawValue
            | HTML_PARSE_NOERROR.rawValue | HTML_PARSE_NOWARNING.rawValue) | Int32(XML_PARSE_HUGE.rawValue)
        let document = utf8.withUTF8 { bytes in
            bytes.withMemoryRebound(to: CChar.self) {
                htmlReadMemory($0.baseAddress, Int32($0.count), nil, "UTF-8", options)
            }
        }
        guard let document else { throw .damaged(.html, reason: "the HTML parser could not read it") }
        defer { xmlFreeDoc(document) }
        var walker = Walker(limits: limits)
        try walker.walk(document)
        guard !walker.collector.blocks.isEmpty else { throw .noText(.html) }
        return ExtractedDocument(blocks: walker.collector.blocks, title: walker.title)
    }

    /// What an open element means for the text inside it.
    private enum Context {
        case heading(Int)
        case listItem
        case list(ordered: Bool)
        case quote
        case code(language: String?)
        case table
        case row
        case cell
        case block
    }

    private struct Walker {
        var collector: BlockCollector
        let limits: ExtractionLimits
        var title: String?
        var contexts: [Context] = []
        var inline = ""
        /// The outermost open table's rows (inner tables flow into its cells).
        var rows: [[String]] = []
        var tableDepth = 0
        var cellText = ""

        init(limits: ExtractionLimits) {
            self.limits = limits
            collector = BlockCollector(limits: limits)
        }

        static let dropped: Set<String> = ["head", "script", "style", "nav", "noscript", "template", "svg", "iframe",
                                           "object"]
        static let blocks: Set<String> = [
            "address", "article", "aside", "body", "caption", "center", "dd", "details", "dialog", "div", "dl",
            "dt", "fieldset", "figcaption", "figure", "footer", "form", "header", "hgroup", "hr", "html", "main",
            "section", "summary", "tbody", "thead", "tfoot",
        ]

        mutating func walk(_ document: htmlDocPtr) throws(DocumentError) {
            var node = document.pointee.children
            var depth = 0
            while let current = node {
                var descend = false
                switch current.pointee.type {
                case XML_ELEMENT_NODE:
                    let name = Self.name(current)
                    if name == "head" {
                        title = title ?? Self.title(inHead: current)
                    } else if !Self.dropped.contains(name) {
                        try enter(current, name: name)
                        descend = current.pointee.children != nil
                        if !descend { try exit(name) }
                    }
                case XML_TEXT_NODE, XML_CDATA_SECTION_NODE:
                    if let content = current.pointee.content { append(String(cString: content)) }
                default:
                    break
                }
                if descend {
                    depth += 1
                    if depth > limits.maxNestingDepth { throw .limitExceeded(.nestingDepth, limit: limits.maxNestingDepth) }
                    node = current.pointee.children
                    continue
                }
                // Next sibling, else climb (closing each element left) until an ancestor has one.
                var climbing = current
                node = nil
                while true {
                    if let next = climbing.pointee.next { node = next; break }
                    guard depth > 0, let parent = climbing.pointee.parent else { break }
                    depth -= 1
                    climbing = parent
                    try exit(Self.name(parent))
                }
            }
            try flush()
        }

        /// Text is kept as it comes; `flush` collapses its whitespace unless it is code.
        mutating func append(_ text: String) { inline += text }

        mutating func enter(_ node: xmlNodePtr, name: String) throws(DocumentError) {
            switch name {
            case "h1", "h2", "h3", "h4", "h5", "h6":
                try flush()
                contexts.append(.heading(Int(name.dropFirst()) ?? 1))
            case "p":
                try flush()
                contexts.append(.block)
            case "ul", "ol", "menu":
                try flush()
                contexts.append(.list(ordered: name == "ol"))
            case "li":
                try flush()
                contexts.append(.listItem)
            case "blockquote":
                try flush()
                contexts.append(.quote)
            case "pre":
                try flush()
                contexts.append(.code(language: Self.language(node)))
            case "code":
                if case .code(nil) = contexts.last, let language = Self.language(node) {
                    contexts[contexts.count - 1] = .code(language: language)
                }
            case "table":
                try flush()
                tableDepth += 1
                if tableDepth == 1 { rows = [] }
                contexts.append(.table)
            case "tr":
                try flush()
                if tableDepth == 1 { rows.append([]) }
                contexts.append(.row)
            case "td", "th":
                try flush()
                if tableDepth == 1 { cellText = "" }
                contexts.append(.cell)
            case "br":
                inline += isInCode ? "\n" : " "
            case "img":
                let alt = Self.attribute(node, "alt") ?? ""
                if let source = Self.attribute(node, "src"), !source.isEmpty { inline += " ![\(alt)](\(source)) " }
            default:
                if Self.blocks.contains(name) {
                    try flush()
                    contexts.append(.block)
                }
            }
        }

        mutating func exit(_ name: String) throws(DocumentError) {
            switch name {
            case "h1", "h2", "h3", "h4", "h5", "h6", "p", "ul", "ol", "menu", "li", "blockquote", "pre":
                try flush()
                _ = contexts.popLast()
            case "table":
                try flush()
                _ = contexts.popLast()
                tableDepth -= 1
                if tableDepth == 0 {
                    try collector.appendTable(rows)
                    rows = []
                }
            case "tr":
                try flush()
                _ = contexts.popLast()
            case "td", "th":
                try flush()
                _ = contexts.popLast()
                if tableDepth == 1 {
                    if rows.isEmpty { rows.append([]) }  // a cell outside any row
                    rows[rows.count - 1].append(cellText)
                } else if tableDepth > 1 {
                    cellText += " "
                }
            default:
                if Self.blocks.contains(name) {
                    try flush()
                    _ = contexts.popLast()
                }
            }
        }

        var isInCode: Bool {
            if case .code = kind() { return true }
            return false
        }

        /// Emits the text gathered since the last block boundary, as the innermost context makes it.
        mutating func flush() throws(DocumentError) {
            defer { inline = "" }
            guard !inline.isEmpty else { return }
            if tableDepth > 0, contexts.contains(where: { if case .cell = $0 { true } else { false } }) {
                cellText += " " + inline
                return
            }
            switch kind() {
            case .heading(let level):
                try collector.append(.heading(level: level), text: inline)
            case .listItem:
                let lists = contexts.compactMap { context -> Bool? in
                    if case .list(let ordered) = context { return ordered }
                    return nil
                }
                try collector.append(.listItem(depth: max(lists.count - 1, 0), ordered: lists.last ?? false),
                                     text: inline)
            case .quote:
                try collector.append(.quote, text: inline)
            case .code(let language):
                try collector.append(.code(language: language), text: inline)
            default:
                try collector.append(.paragraph, text: inline)
            }
        }

        /// The innermost heading, list item, code or quote around the text (a `p` inside a quote is a quote).
        func kind() -> Context {
            for context in contexts.reversed() {
                switch context {
                case .heading, .listItem, .code, .quote: return context
                default: continue
                }
            }
            return .block
        }

        static func name(_ node: xmlNodePtr) -> String {
            node.pointee.name.map { String(cString: $0) } ?? ""
        }

        /// An attribute's text, read from the attribute node (no allocation to free).
        static func attribute(_ node: xmlNodePtr, _ name: String) -> String? {
            var attribute = node.pointee.properties
            while let current = attribute {
                if let attributeName = current.pointee.name, String(cString: attributeName) == name {
                    return current.pointee.children?.pointee.content.map { String(cString: $0) } ?? ""
                }
                attribute = current.pointee.next
            }
            return nil
        }

        /// `language-x` or `lang-x` in the class attribute.
        static func language(_ node: xmlNodePtr) -> String? {
            guard let classes = attribute(node, "class") else { return nil }
            for name in classes.split(separator: " ") {
                for prefix in ["language-", "lang-"] where name.hasPrefix(prefix) && name.count > prefix.count {
                    return String(name.dropFirst(prefix.count))
                }
            }
            return nil
        }

        /// The text of the first `<title>` among the head's children.
        static func title(inHead head: xmlNodePtr) -> String? {
            var child = head.pointee.children
            while let current = child {
                if current.pointee.type == XML_ELEMENT_NODE, name(current) == "title" {
                    var text = ""
                    var inner = current.pointee.children
                    while let node = inner {
                        if let content = node.pointee.content { text += String(cString: content) }
                        inner = node.pointee.next
                    }
                    let title = BlockCollector.collapsingWhitespace(text)
                    return title.isEmpty ? nil : title
                }
                child = current.pointee.next
            }
            return nil
        }
    }
}
