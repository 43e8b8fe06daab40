/// Gathers the blocks an extractor finds: normalises their text, drops empty ones and enforces
/// `maxTextBytes` over the whole document.
///
/// Invariants: `blocks` holds no block with empty text (nor a table without a non-empty cell); the UTF-8 bytes of
/// all block texts never exceed `limit` (the append that would pass it throws instead).
struct BlockCollector {
    private(set) var blocks: [DocumentBlock] = []
    private var textBytes = 0
    private let limit: Int

    init(limits: ExtractionLimits) { limit = limits.maxTextBytes }

    /// Adds a block; whitespace runs become one space (code keeps its text, less trailing blank lines).
    mutating func append(_ kind: DocumentBlock.Kind, text: String, page: Int? = nil) throws(DocumentError) {
        let normalized: String
        if case .code = kind {
            normalized = Self.trimmingBlankLines(text)
        } else {
            normalized = Self.collapsingWhitespace(text)
        }
        guard !normalized.isEmpty else { return }
        try charge(normalized.utf8.count)
        blocks.append(DocumentBlock(kind: kind, text: normalized, page: page))
    }

    /// Adds a table; cells are normalised like paragraphs, empty rows dropped.
    mutating func appendTable(_ rows: [[String]], page: Int? = nil) throws(DocumentError) {
        let cleaned = rows.map { $0.map(Self.collapsingWhitespace) }.filter { $0.contains { !$0.isEmpty } }
        guard !cleaned.isEmpty else { return }
        let table = DocumentBlock.table(cleaned, page: page)
        try charge(table.text.utf8.count)
        blocks.append(table)
    }

    /// Appends `text` to the last block (a paragraph continued across a page, a list item's second paragraph).
    mutating func extendLast(with text: String) throws(DocumentError) {
        let addition = Self.collapsingWhitespace(text)
        guard !addition.isEmpty, let last = blocks.indices.last else { return }
        try charge(addition.utf8.count + 1)
        blocks[last].text += " " + addition
    }

    private mutating func charge(_ bytes: Int) throws(DocumentError) {
        textBytes += bytes
        if textBytes > limit { throw .limitExceeded(.textBytes, limit: limit) }
    }

    /// Runs of whitespace (including line breaks and no-break spaces) become one space; both ends are trimmed.
    static func collapsingWhitespace(_ text: String) -> String {
        var output = ""
        output.reserveCapacity(text.utf8.count)
        var pendingSpace = false
        for scalar in text.unicodeScalars {
            if scalar.properties.isWhitespace || scalar == "\u{0}" {
                pendingSpace = !output.isEmpty
            } else {
                if pendingSpace { output.unicodeScalars.append(" ") }
                pendingSpace = false
                output.unicodeScalars.append(scalar)
            }
        }
        return output
    }

    /// Code without leading or trailing blank lines; a block of only whitespace becomes empty.
    static func trimmingBlankLines(_ text: String) -> String {
        let lines = text.split(separator: "\n", omittingEmptySubsequences: false)
            .map { $0.hasSuffix("\r") ? $0.dropLast() : $0 }
        guard let first = lines.firstIndex(where: { !$0.allSatisfy(\.isWhitespace) }),
              let last = lines.lastIndex(where: { !$0.allSatisfy(\.isWhitespace) })
        else { return "" }
        return lines[first...last].joined(separator: "\n")
    }
}
