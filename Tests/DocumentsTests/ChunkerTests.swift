import Documents
import Foundation
import Testing

/// The hierarchical chunker on the model's own tokenizer.
@Suite struct ChunkerTests {
    static let fileID = UUID(uuidString: "0f8e2a44-5b7c-4d1e-9a3b-2c6d8e0f1a2b") ?? UUID()

    func report() throws -> ExtractedDocument {
        try DocumentExtractor().extract(try TestSupport.fixture("report.pdf"), as: .pdf)
    }

    /// A deterministic paragraph of `words` words in sentences of 12 words.
    static func prose(_ words: Int, seed: Int = 0) -> String {
        let vocabulary = ["replica", "quorum", "leader", "commits", "the", "log", "entry", "before", "timeout",
                          "client", "reads", "writes", "partition", "heals", "node", "fails", "network", "delays"]
        var text: [String] = []
        for i in 0..<words {
            var word = vocabulary[(i * 7 + seed * 13 + i / 5) % vocabulary.count]
            if i % 12 == 0 { word = word.prefix(1).uppercased() + word.dropFirst() }
            text.append(i % 12 == 11 || i == words - 1 ? word + "." : word)
        }
        return text.joined(separator: " ")
    }

    @Test("configurations outside the model window or with too much overlap are refused")
    func configuration() throws {
        var configuration = ChunkingConfiguration()
        #expect(throws: Never.self) { try configuration.validate() }
        configuration.childMaxTokens = 255
        #expect(throws: ChunkingConfiguration.InvalidValue.self) { try configuration.validate() }
        configuration = ChunkingConfiguration()
        configuration.childOverlapTokens = 200
        #expect(throws: ChunkingConfiguration.InvalidValue.self) { try TestSupport.chunker(configuration) }
        configuration = ChunkingConfiguration()
        configuration.parentMaxTokens = 100
        #expect(throws: ChunkingConfiguration.InvalidValue.self) { try configuration.validate() }
    }

    @Test("parents then their children, with consistent indexes, parent ids and siblings")
    func structure() throws {
        let chunks = try TestSupport.chunker().chunk(try report(), fileID: Self.fileID)
        #expect(chunks.map(\.index) == Array(chunks.indices))
        var parent: Chunk?
        var parents = 0, children = 0
        for chunk in chunks {
            switch chunk.level {
            case .parent:
                #expect(chunk.parentID == nil && chunk.childIndex == nil && chunk.siblingIDs.isEmpty)
                #expect(chunk.parentIndex == parents)
                #expect(chunk.id == Chunk.id(fileID: Self.fileID, level: .parent, position: parents))
                parents += 1
                parent = chunk
            case .child:
                #expect(chunk.parentID == parent?.id && chunk.parentIndex == parent?.parentIndex)
                #expect(chunk.childIndex == children)
                #expect(chunk.id == Chunk.id(fileID: Self.fileID, level: .child, position: children))
                let family = chunks.filter { $0.level == .child && $0.parentID == chunk.parentID }.map(\.id)
                #expect(chunk.siblingIDs == family.filter { $0 != chunk.id })
                #expect(chunk.headingPath == parent?.headingPath)
                children += 1
            }
        }
        #expect(parents >= 20 && children > parents)
    }

    @Test("no child passes 254 word pieces, no parent 1,024; the counts are the tokenizer's own")
    func sizes() throws {
        let chunks = try TestSupport.chunker().chunk(try report(), fileID: Self.fileID)
        for chunk in chunks {
            #expect(chunk.tokenCount == (try TestSupport.pieces(chunk.content)))
            #expect(chunk.tokenCount <= (chunk.level == .child ? 254 : 1024))
            #expect(chunk.charCount == chunk.content.count)
        }
        let longest = chunks.filter { $0.level == .child }.map(\.tokenCount).max() ?? 0
        #expect(longest > 200)  // children are filled, not cut tiny
    }

    @Test("headings start sections: every chunk lies in one section, whose path it carries")
    func sections() throws {
        let document = try report()
        let chunks = try TestSupport.chunker().chunk(document, fileID: Self.fileID)
        for chunk in chunks {
            let path = chunk.headingPath
            #expect(path.count == 2, "\(path)")
            // A chunk holds no heading but those of its own section.
            let headingLines = chunk.content.split(separator: "\n").filter { $0.hasPrefix("#") }
            for line in headingLines {
                #expect(path.contains { line.hasSuffix($0) }, "\(line) in \(path)")
            }
        }
        // The carried chapter heading: "# Chapter 3 ..." opens the chunk headed by both.
        let first = try #require(chunks.first { $0.headingPath == ["Chapter 3. Consensus Protocols", "3.1 Overview"] })
        #expect(first.content.hasPrefix("# Chapter 3. Consensus Protocols\n\n## 3.1 Overview\n\n"))
    }

    @Test("a table that fits stays whole in one child, with its page and the table flag")
    func tableWhole() throws {
        let chunks = try TestSupport.chunker().chunk(try report(), fileID: Self.fileID)
        let table = "| Protocol | Messages per write | Fault tolerance | Commit latency |\n| --- | --- | --- | --- |\n"
            + "| Two-phase commit | 4n | none (blocking) | 2 round trips |"
        let holders = chunks.filter { $0.level == .child && $0.content.contains("| Raft |") }
        #expect(holders.count == 1)
        #expect(holders.first?.content.contains(table) == true)
        #expect(holders.first?.content.contains("| Chain replication | n | f of f+1 | n hops |") == true)
        #expect(holders.first?.hasTables == true && holders.first?.pageStart == 3 && holders.first?.pageEnd == 3)
        #expect(chunks.filter { $0.hasTables }.allSatisfy { $0.content.contains("| Protocol |") })
    }

    @Test("a table larger than a child splits by rows, each piece under the header row")
    func tableSplit() throws {
        let rows = [["Term", "Definition"]] + (0..<80).map { ["term \($0)", "meaning of term \($0) in the course"] }
        let chunks = try TestSupport.chunker().chunk(ExtractedDocument(blocks: [.table(rows, page: 4)]),
                                                     fileID: Self.fileID)
        let children = chunks.filter { $0.level == .child }
        #expect(children.count >= 3)
        for child in children {
            #expect(child.content.hasPrefix("| Term | Definition |\n| --- | --- |\n"))
            #expect(child.tokenCount <= 254 && child.hasTables && child.pageStart == 4)
        }
        let bodyRows = children.flatMap { $0.content.split(separator: "\n").dropFirst(2) }
        #expect(bodyRows.count == 80)  // every row once, in order
        #expect(bodyRows.first == "| term 0 | meaning of term 0 in the course |")
        #expect(bodyRows.last == "| term 79 | meaning of term 79 in the course |")
    }

    @Test("consecutive children of a parent overlap by up to 32 pieces of whole words")
    func overlap() throws {
        let document = ExtractedDocument(blocks: [
            DocumentBlock(kind: .heading(level: 1), text: "Notes"),
            DocumentBlock(kind: .paragraph, text: Self.prose(300)),
            DocumentBlock(kind: .paragraph, text: Self.prose(300, seed: 1)),
        ])
        let chunks = try TestSupport.chunker().chunk(document, fileID: Self.fileID)
        let children = chunks.filter { $0.level == .child }
        #expect(children.count >= 3)
        var overlaps = 0
        for (previous, next) in zip(children, children.dropFirst()) where previous.parentID == next.parentID {
            let words = next.content.split(separator: " ")
            // The longest word prefix of `next` that ends `previous`.
            let shared = (1...min(words.count, 40)).last { previous.content.hasSuffix(words.prefix($0).joined(separator: " ")) }
            let overlapText = shared.map { words.prefix($0).joined(separator: " ") } ?? ""
            let pieces = try TestSupport.pieces(overlapText)
            #expect(pieces > 16 && pieces <= 32, "overlap of \(pieces) pieces: \(overlapText)")
            overlaps += 1
        }
        #expect(overlaps >= 2)
    }

    @Test("a 1,000-word sentence becomes word windows; a 20,000-character word is cut by characters")
    func longSentenceAndWord() throws {
        let sentence = (0..<1_000).map { "word\($0 % 97)" }.joined(separator: " ")
        let word = String(repeating: "a,", count: 10_000)
        let document = ExtractedDocument(blocks: [DocumentBlock(kind: .paragraph, text: sentence),
                                                  DocumentBlock(kind: .paragraph, text: word)])
        let chunks = try TestSupport.chunker().chunk(document, fileID: Self.fileID)
        let children = chunks.filter { $0.level == .child }
        #expect(children.allSatisfy { $0.tokenCount <= 254 })
        // The parents hold the sentence's words once each, in order.
        let parentWords = chunks.filter { $0.level == .parent }.flatMap { $0.content.split(whereSeparator: \.isWhitespace) }
        #expect(Array(parentWords.prefix(1_000)).map(String.init) == sentence.split(separator: " ").map(String.init))
        #expect(parentWords.dropFirst(1_000).joined() == word)
    }

    @Test("page ranges: a section spanning pages 2–3 gives a parent from 2 to 3")
    func pageRanges() throws {
        let document = ExtractedDocument(blocks: [
            DocumentBlock(kind: .heading(level: 1), text: "Spanning", page: 2),
            DocumentBlock(kind: .paragraph, text: Self.prose(100), page: 2),
            DocumentBlock(kind: .paragraph, text: Self.prose(100, seed: 2), page: 3),
            DocumentBlock(kind: .heading(level: 1), text: "Next", page: 3),
            DocumentBlock(kind: .paragraph, text: "Short.", page: 3),
        ], pageCount: 3)
        let chunks = try TestSupport.chunker().chunk(document, fileID: Self.fileID)
        let spanning = chunks.filter { $0.headingPath == ["Spanning"] }
        #expect(spanning.first { $0.level == .parent }.map { [$0.pageStart, $0.pageEnd] } == [2, 3])
        #expect(spanning.filter { $0.level == .child }.first.map { $0.pageStart } == 2)
        #expect(chunks.filter { $0.headingPath == ["Next"] }.allSatisfy { $0.pageStart == 3 && $0.pageEnd == 3 })
        // Formats without pages give none.
        let unpaged = try TestSupport.chunker().chunk(ExtractedDocument(blocks: [DocumentBlock(kind: .paragraph, text: "x")]),
                                                      fileID: Self.fileID)
        #expect(unpaged.allSatisfy { $0.pageStart == nil && $0.pageEnd == nil })
    }

    @Test("heading paths follow the outline: deeper headings nest, an equal one replaces")
    func headingPaths() throws {
        let document = try DocumentExtractor().extract(try TestSupport.fixture("handbook.docx"), as: .docx)
        let chunks = try TestSupport.chunker().chunk(document, fileID: Self.fileID)
        let paths = chunks.filter { $0.level == .parent }.map(\.headingPath)
        #expect(paths == [["1. Introduction"], ["1. Introduction", "1.1 Goals"], ["2. Assessment"], ["Appendix"]])
        // "Course Handbook" has no text of its own: it opens the next section's chunk.
        #expect(chunks.first?.content.hasPrefix("# Course Handbook\n\n# 1. Introduction\n\n") == true)
        let assessment = try #require(chunks.first { $0.headingPath == ["2. Assessment"] && $0.level == .child })
        #expect(assessment.content.contains("1. Schema design\n2. Query workbook\n3. Final project"))
        #expect(assessment.hasTables)
    }

    @Test("content flags: code, formulas, images")
    func flags() throws {
        let document = ExtractedDocument(blocks: [
            DocumentBlock(kind: .heading(level: 1), text: "Code"),
            DocumentBlock(kind: .code(language: "swift"), text: "let x = 1"),
            DocumentBlock(kind: .heading(level: 1), text: "Math"),
            DocumentBlock(kind: .paragraph, text: "The sum $\\sum_i x_i$ is bounded, and ∀x ∈ S holds."),
            DocumentBlock(kind: .heading(level: 1), text: "Money"),
            DocumentBlock(kind: .paragraph, text: "It costs $5 and $10. See ![plot](plot.png)."),
        ])
        let children = try TestSupport.chunker().chunk(document, fileID: Self.fileID).filter { $0.level == .child }
        #expect(children.map(\.hasCode) == [true, false, false])
        #expect(children.map(\.hasFormulas) == [false, true, false])
        #expect(children.map(\.hasImages) == [false, false, true])
        #expect(children.map(\.hasTables) == [false, false, false])
    }

    @Test("ids are stable across runs and distinct across files; chunks are identical byte for byte")
    func determinism() throws {
        let document = try report()
        let chunker = try TestSupport.chunker()
        let first = chunker.chunk(document, fileID: Self.fileID)
        let again = try TestSupport.chunker().chunk(try report(), fileID: Self.fileID)
        #expect(first == again)
        let other = chunker.chunk(document, fileID: UUID(uuidString: "0f8e2a44-5b7c-4d1e-9a3b-2c6d8e0f1a2c") ?? UUID())
        #expect(Set(first.map(\.id)).isDisjoint(with: other.map(\.id)))
        #expect(Set(first.map(\.id)).count == first.count)
        #expect(first.map(\.content) == other.map(\.content))
    }

    @Test("a 5,000-word document is chunked quickly (time printed, not asserted)")
    func speed() throws {
        let blocks = (0..<50).flatMap { section in
            [DocumentBlock(kind: .heading(level: 2), text: "Section \(section)"),
             DocumentBlock(kind: .paragraph, text: Self.prose(60, seed: section)),
             DocumentBlock(kind: .paragraph, text: Self.prose(40, seed: section + 1))]
        }
        let document = ExtractedDocument(blocks: blocks)
        let chunker = try TestSupport.chunker()
        let clock = ContinuousClock()
        var chunks: [Chunk] = []
        let elapsed = clock.measure { chunks = chunker.chunk(document, fileID: Self.fileID) }
        print("chunking 5,000 words: \(chunks.count) chunks in \(elapsed)")
        #expect(chunks.count >= 100)
    }
}

/// Every fixture through extraction and chunking: nothing lost, nothing too large.
@Suite struct CorpusChunkingTests {
    @Test("for every fixture: each block's text is in the parents, in order, and every child fits the model")
    func noTextLost() throws {
        let chunker = try TestSupport.chunker()
        for name in ["plain.txt", "notes.md", "guide.html", "report.pdf", "handbook.docx", "slides.pptx"] {
            let document = try DocumentExtractor().extract(try TestSupport.fixture(name), mimeType: nil, filename: name)
            let chunks = chunker.chunk(document, fileID: UUID())
            #expect(chunks.filter { $0.level == .child }.allSatisfy { $0.tokenCount <= 254 }, "\(name)")
            let parents = chunks.filter { $0.level == .parent }.map(\.content).joined(separator: "\n\n")
            var cursor = parents.startIndex
            for block in document.blocks {
                let pieces: [String] = if case .table(let rows) = block.kind { rows.flatMap { $0 } } else { [block.text] }
                for piece in pieces where !piece.isEmpty {
                    guard let found = parents.range(of: piece, range: cursor..<parents.endIndex) else {
                        Issue.record("\(name): \(piece.prefix(60)) is missing or out of order")
                        return
                    }
                    cursor = found.lowerBound
                }
            }
        }
    }
}
