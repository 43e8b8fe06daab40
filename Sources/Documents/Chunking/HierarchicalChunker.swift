import Embedding
import Foundation

/// Cuts an extracted document into parents and children, counting the embedding model's own word pieces.
///
/// 1. Sections: every heading starts one; its heading path is the open headings above it, outermost first.
///    A heading with no text of its own before the next heading is carried into the next section's first
///    chunk ("# Chapter 2" then "## 2.1 Setup" make one chunk headed by both).
/// 2. Units, each at most a child: a block (rendered as Markdown) that fits stays whole; a longer paragraph,
///    list item or quote is cut into sentences, and a sentence longer than a child into windows of whole words
///    (`childMaxTokens − childOverlapTokens` pieces each, so the overlap always fits; a word longer than that is
///    cut by characters); a longer table into groups of rows, each repeating the header row; longer code into
///    groups of lines, each fenced.
/// 3. Parents: a section's units, greedily, up to `parentMaxTokens`; a parent never spans two sections.
/// 4. Children: a parent's units, greedily, up to `childMaxTokens`; each child after the first of its parent
///    starts with up to `childOverlapTokens` pieces (whole words) of the running text that ended the previous
///    child. Units are never split across children, so a table that fits a child stays whole.
///
/// Token counts are exact: word pieces of the final content without `[CLS]`/`[SEP]`. Whitespace separates
/// BERT's words, so the pieces of units joined by whitespace add up, which is what the packing relies on. The same
/// document and file id always give the same chunks, byte for byte.
public struct HierarchicalChunker: Sendable {
    public let configuration: ChunkingConfiguration
    private let tokenizer: WordPieceTokenizer

    public init(tokenizer: WordPieceTokenizer,
                configuration: ChunkingConfiguration = .init()) throws(ChunkingConfiguration.InvalidValue) {
        try configuration.validate()
        self.tokenizer = tokenizer
        self.configuration = configuration
    }

    /// The chunks of `document`, in order: each parent followed by its children.
    public func chunk(_ document: ExtractedDocument, fileID: UUID) -> [Chunk] {
        var chunks: [Chunk] = []
        var parentPosition = 0
        var childPosition = 0
        for section in sections(document.blocks) {
            for parentUnits in pack(units(section), limit: configuration.parentMaxTokens) {
                let parentID = Chunk.id(fileID: fileID, level: .parent, position: parentPosition)
                let drafts = children(of: parentUnits)
                let childIDs = drafts.indices.map {
                    Chunk.id(fileID: fileID, level: .child, position: childPosition + $0)
                }
                chunks.append(make(id: parentID, parentID: nil, level: .parent, index: chunks.count,
                                   parentIndex: parentPosition, childIndex: nil, overlap: nil, units: parentUnits,
                                   path: section.path, siblings: []))
                for (k, draft) in drafts.enumerated() {
                    var siblings = childIDs
                    siblings.remove(at: k)
                    chunks.append(make(id: childIDs[k], parentID: parentID, level: .child, index: chunks.count,
                                       parentIndex: parentPosition, childIndex: childPosition + k,
                                       overlap: draft.overlap, units: draft.units, path: section.path,
                                       siblings: siblings))
                }
                parentPosition += 1
                childPosition += drafts.count
            }
        }
        return chunks
    }

    /// Word pieces of `text`, without `[CLS]`/`[SEP]`.
    func tokenCount(_ text: String) -> Int {
        tokenizer.encode(text, maxLength: Int.max).count - 2
    }

    // MARK: - Sections

    struct Section {
        var path: [String] = []
        var blocks: [DocumentBlock] = []
    }

    func sections(_ blocks: [DocumentBlock]) -> [Section] {
        var sections: [Section] = []
        var open: [(level: Int, text: String)] = []
        var current = Section()
        var hasBody = false
        for block in blocks {
            guard case .heading(let level) = block.kind else {
                current.blocks.append(block)
                hasBody = true
                continue
            }
            if hasBody {
                sections.append(current)
                current = Section()
                hasBody = false
            }
            open.removeAll { $0.level >= level }
            open.append((level, block.text))
            current.path = open.map(\.text)
            current.blocks.append(block)
        }
        if !current.blocks.isEmpty { sections.append(current) }
        return sections
    }

    // MARK: - Units

    /// A piece of a section that is never split further.
    struct Unit {
        enum Kind { case heading, prose, table, code }
        var kind: Kind
        var text: String
        var tokens: Int
        /// What goes before it when it follows another unit in one chunk.
        var separator: String
        /// The page of the block it comes from.
        var page: Int?
    }

    func units(_ section: Section) -> [Unit] {
        var units: [Unit] = []
        var layout = MarkdownLayout()
        for block in section.blocks {
            let (separator, number) = layout.place(block)
            var pieces: [Unit]
            switch block.kind {
            case .table(let rows):
                pieces = tableUnits(rows)
            case .code(let language):
                pieces = codeUnits(block.text, language: language)
            case .heading, .paragraph, .listItem, .quote:
                pieces = proseUnits(block, number: number)
            }
            for index in pieces.indices { pieces[index].page = block.page }
            if !pieces.isEmpty { pieces[0].separator = separator }
            units.append(contentsOf: pieces)
        }
        return units
    }

    /// The most pieces a piece of running text may have: a child less the overlap it may start with.
    private var proseLimit: Int { configuration.childMaxTokens - configuration.childOverlapTokens }

    func proseUnits(_ block: DocumentBlock, number: Int) -> [Unit] {
        let kind: Unit.Kind = if case .heading = block.kind { .heading } else { .prose }
        let whole = block.markdown(number: number)
        let tokens = tokenCount(whole)
        if tokens <= proseLimit { return [Unit(kind: kind, text: whole, tokens: tokens, separator: "")] }
        // The first piece keeps the block's Markdown form ("## ", "  - ", "> "); the rest are plain sentences.
        let prefixTokens = max(tokens - tokenCount(block.text), 0)
        var units: [Unit] = []
        for sentence in SentenceSplitter.sentences(block.text) {
            let sentenceTokens = tokenCount(sentence)
            let pieces = sentenceTokens + prefixTokens <= proseLimit
                ? [sentence] : windows(sentence, limit: proseLimit - prefixTokens)
            for piece in pieces {
                let text = units.isEmpty ? DocumentBlock(kind: block.kind, text: piece).markdown(number: number) : piece
                units.append(Unit(kind: kind, text: text, tokens: tokenCount(text), separator: " "))
            }
        }
        return units
    }

    /// Whole words, greedily, at most `limit` pieces per window; a word longer than that is cut by characters.
    func windows(_ text: String, limit: Int) -> [String] {
        var windows: [String] = []
        var words: [Substring] = []
        var tokens = 0
        func flush() {
            if !words.isEmpty { windows.append(words.joined(separator: " ")) }
            words.removeAll()
            tokens = 0
        }
        for word in text.split(whereSeparator: \.isWhitespace) {
            let count = tokenCount(String(word))
            if count > limit {
                flush()
                windows.append(contentsOf: characterPieces(word, limit: limit))
                continue
            }
            if tokens + count > limit { flush() }
            words.append(word)
            tokens += count
        }
        flush()
        return windows
    }

    /// A word cut into runs of characters of at most `limit` pieces each (one character is a few pieces at most).
    private func characterPieces(_ word: Substring, limit: Int) -> [String] {
        var pieces: [String] = []
        var rest = word
        while !rest.isEmpty {
            var take = min(rest.count, limit)
            while take > 1, tokenCount(String(rest.prefix(take))) > limit { take /= 2 }
            pieces.append(String(rest.prefix(take)))
            rest = rest.dropFirst(take)
        }
        return pieces
    }

    /// A table whole when it fits a child, else groups of rows under a repeated header row; a row too large for
    /// a child on its own becomes windows of its cells' text.
    func tableUnits(_ rows: [[String]]) -> [Unit] {
        let limit = configuration.childMaxTokens
        let whole = MarkdownWriter.table(rows)
        let wholeTokens = tokenCount(whole)
        if wholeTokens <= limit {
            return [Unit(kind: .table, text: whole, tokens: wholeTokens, separator: "\n\n")]
        }
        let columns = rows.map(\.count).max() ?? 0
        let padded = rows.map { $0 + Array(repeating: "", count: columns - $0.count) }
        let header = padded[0]
        let headerTokens = tokenCount(MarkdownWriter.table([header]))
        var units: [Unit] = []
        var group: [[String]] = []
        var groupTokens = 0
        func flush() {
            guard !group.isEmpty else { return }
            let text = MarkdownWriter.table([header] + group)
            units.append(Unit(kind: .table, text: text, tokens: tokenCount(text), separator: "\n\n"))
            group.removeAll()
            groupTokens = 0
        }
        for row in padded.dropFirst() {
            let rowLine = MarkdownWriter.table([row]).split(separator: "\n").first.map(String.init) ?? ""
            let rowTokens = tokenCount(rowLine)
            if headerTokens + rowTokens > limit {
                flush()
                for window in windows(row.joined(separator: " | "), limit: limit) {
                    units.append(Unit(kind: .table, text: window, tokens: tokenCount(window), separator: "\n\n"))
                }
                continue
            }
            if headerTokens + groupTokens + rowTokens > limit { flush() }
            group.append(row)
            groupTokens += rowTokens
        }
        flush()
        if units.isEmpty {  // only a header row, too large for a child
            return windows(header.joined(separator: " | "), limit: limit).map {
                Unit(kind: .table, text: $0, tokens: tokenCount($0), separator: "\n\n")
            }
        }
        return units
    }

    /// Code whole when it fits a child, else groups of lines, each fenced; a line too long on its own is cut
    /// into windows.
    func codeUnits(_ code: String, language: String?) -> [Unit] {
        let limit = configuration.childMaxTokens
        let whole = MarkdownWriter.code(code, language: language)
        let wholeTokens = tokenCount(whole)
        if wholeTokens <= limit { return [Unit(kind: .code, text: whole, tokens: wholeTokens, separator: "\n\n")] }
        let fenceTokens = tokenCount(MarkdownWriter.code("", language: language))
        var units: [Unit] = []
        var lines: [String] = []
        var tokens = fenceTokens
        func flush() {
            guard !lines.isEmpty else { return }
            let text = MarkdownWriter.code(lines.joined(separator: "\n"), language: language)
            units.append(Unit(kind: .code, text: text, tokens: tokenCount(text), separator: "\n\n"))
            lines.removeAll()
            tokens = fenceTokens
        }
        for line in code.split(separator: "\n", omittingEmptySubsequences: false).map(String.init) {
            let lineTokens = tokenCount(line)
            if fenceTokens + lineTokens > limit {
                flush()
                for window in windows(line, limit: limit - fenceTokens) {
                    let text = MarkdownWriter.code(window, language: language)
                    units.append(Unit(kind: .code, text: text, tokens: tokenCount(text), separator: "\n\n"))
                }
                continue
            }
            if tokens + lineTokens > limit { flush() }
            lines.append(line)
            tokens += lineTokens
        }
        flush()
        return units
    }

    // MARK: - Parents and children

    /// Consecutive units, greedily, at most `limit` pieces per group (every unit fits on its own).
    func pack(_ units: [Unit], limit: Int) -> [[Unit]] {
        var groups: [[Unit]] = []
        var group: [Unit] = []
        var tokens = 0
        for unit in units {
            if !group.isEmpty, tokens + unit.tokens > limit {
                groups.append(group)
                group.removeAll()
                tokens = 0
            }
            group.append(unit)
            tokens += unit.tokens
        }
        if !group.isEmpty { groups.append(group) }
        return groups
    }

    /// The words a child repeats from the end of the previous one, with their page.
    struct Overlap {
        var text: String
        var tokens: Int
        var page: Int?
    }

    struct ChildDraft {
        var overlap: Overlap?
        var units: [Unit]
    }

    func children(of units: [Unit]) -> [ChildDraft] {
        let limit = configuration.childMaxTokens
        var drafts: [ChildDraft] = []
        var current = ChildDraft(overlap: nil, units: [])
        var tokens = 0
        for unit in units {
            if !current.units.isEmpty, tokens + unit.tokens > limit {
                drafts.append(current)
                let overlap = self.overlap(after: current.units, budget: min(configuration.childOverlapTokens,
                                                                              limit - unit.tokens))
                current = ChildDraft(overlap: overlap, units: [])
                tokens = overlap?.tokens ?? 0
            }
            current.units.append(unit)
            tokens += unit.tokens
        }
        if !current.units.isEmpty { drafts.append(current) }
        return drafts
    }

    /// Up to `budget` pieces of whole words from the end of the running text (prose units) that closes `units`;
    /// nil when they end with a table, code or a heading.
    func overlap(after units: [Unit], budget: Int) -> Overlap? {
        guard budget > 0 else { return nil }
        let trailing = units.reversed().prefix { $0.kind == .prose }.prefix(3).reversed()
        guard let last = trailing.last else { return nil }
        let words = trailing.map(\.text).joined(separator: " ").split(whereSeparator: \.isWhitespace)
        var taken = 0
        var tokens = 0
        for word in words.reversed() {
            let count = tokenCount(String(word))
            if tokens + count > budget { break }
            tokens += count
            taken += 1
        }
        guard taken > 0 else { return nil }
        return Overlap(text: words.suffix(taken).joined(separator: " "), tokens: tokens, page: last.page)
    }

    private func make(id: UUID, parentID: UUID?, level: Chunk.Level, index: Int, parentIndex: Int, childIndex: Int?,
                      overlap: Overlap?, units: [Unit], path: [String], siblings: [UUID]) -> Chunk {
        var content = overlap?.text ?? ""
        for (k, unit) in units.enumerated() {
            if k > 0 || overlap != nil { content += unit.separator.isEmpty ? "\n\n" : unit.separator }
            content += unit.text
        }
        let pages = units.compactMap(\.page) + [overlap?.page].compactMap { $0 }
        let features = ChunkFeatures(content: content, hasCode: units.contains { $0.kind == .code },
                                     hasTables: units.contains { $0.kind == .table })
        return Chunk(id: id, parentID: parentID, level: level, index: index, parentIndex: parentIndex,
                     childIndex: childIndex, content: content, headingPath: path, pageStart: pages.min(),
                     pageEnd: pages.max(), tokenCount: tokenCount(content), features: features, siblingIDs: siblings)
    }
}
