/// A document's text with its structure, in reading order: what every format's extractor produces and what
/// the chunker reads.
///
/// Invariants: every block has non-empty text (a table has at least one non-empty cell); `page` numbers are 1-based
/// and, when present, never decrease along `blocks` and never exceed `pageCount`.
public struct ExtractedDocument: Sendable, Equatable {
    public var blocks: [DocumentBlock]
    /// Pages of a PDF, slides of a presentation; for a Word document, 1 + its explicit page breaks when it has
    /// any; nil for formats without pages.
    public var pageCount: Int?
    /// The document's own title (PDF metadata, HTML `<title>`, Office core properties), when it has one.
    public var title: String?

    public init(blocks: [DocumentBlock], pageCount: Int? = nil, title: String? = nil) {
        self.blocks = blocks
        self.pageCount = pageCount
        self.title = title
    }

    /// The whole document as Markdown (CommonMark with GFM pipe tables), as stored for the file's markdown content:
    /// headings as `#` lines, list items indented two spaces per depth, tables as pipe tables whose first row is
    /// the header, code in fences, quotes with `>`. Blocks are separated by a blank line, list items by a newline.
    public func markdown() -> String {
        var output = ""
        var layout = MarkdownLayout()
        for block in blocks {
            let (separator, number) = layout.place(block)
            output += separator + block.markdown(number: number)
        }
        return output.isEmpty ? output : output + "\n"
    }
}

/// One structural piece of a document.
public struct DocumentBlock: Sendable, Equatable {
    public enum Kind: Sendable, Equatable {
        /// A heading, level 1 (the largest) … 6.
        case heading(level: Int)
        case paragraph
        /// A list item; `depth` 0 is the outermost list.
        case listItem(depth: Int, ordered: Bool)
        /// A table, cells kept apart; the first row is the header when the source marks one (or has no other).
        case table(rows: [[String]])
        /// Preformatted text, whitespace kept; `language` from a fence's info string or a `language-x` class.
        case code(language: String?)
        case quote
    }

    public var kind: Kind
    /// The block's text: whitespace collapsed to single spaces except in code; for a table, its cells
    /// separated by tabs and its rows by newlines. Inline images appear as `![alt](source)`.
    public var text: String
    /// The 1-based page (or slide) the block starts on, when the format has pages.
    public var page: Int?

    public init(kind: Kind, text: String, page: Int? = nil) {
        self.kind = kind
        self.text = text
        self.page = page
    }

    /// A table block; its `text` is derived from the cells.
    public static func table(_ rows: [[String]], page: Int? = nil) -> DocumentBlock {
        DocumentBlock(kind: .table(rows: rows), text: rows.map { $0.joined(separator: "\t") }.joined(separator: "\n"),
                      page: page)
    }

    /// This block alone as Markdown; `number` is an ordered list item's number.
    public func markdown(number: Int = 1) -> String {
        switch kind {
        case .heading(let level): MarkdownWriter.heading(text, level: level)
        case .paragraph: MarkdownWriter.paragraph(text)
        case .listItem(let depth, let ordered): MarkdownWriter.listItem(text, depth: depth, number: ordered ? number : nil)
        case .table(let rows): MarkdownWriter.table(rows)
        case .code(let language): MarkdownWriter.code(text, language: language)
        case .quote: MarkdownWriter.quote(text)
        }
    }
}
