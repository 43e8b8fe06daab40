/// Plain text: paragraphs are separated by blank lines (lines of only whitespace); the lines of one paragraph are
/// joined with spaces. Nothing else is inferred: no headings, no lists.
enum PlainTextExtractor {
    static func extract(_ text: String, limits: ExtractionLimits) throws(DocumentError) -> ExtractedDocument {
        var collector = BlockCollector(limits: limits)
        var paragraph: [Substring] = []
        for line in text.split(omittingEmptySubsequences: false, whereSeparator: \.isNewline) {
            if line.allSatisfy(\.isWhitespace) {
                try collector.append(.paragraph, text: paragraph.joined(separator: " "))
                paragraph.removeAll(keepingCapacity: true)
            } else {
                paragraph.append(line)
            }
        }
        try collector.append(.paragraph, text: paragraph.joined(separator: " "))
        guard !collector.blocks.isEmpty else { throw .noText(.text) }
        return ExtractedDocument(blocks: collector.blocks)
    }
}
