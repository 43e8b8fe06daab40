import Documents
import Foundation
import Testing

/// The 10-page reportlab PDF through poppler: headings by font size, page numbers, the table cell by cell.
@Suite struct PDFExtractionTests {
    static let chapters = [
        "Foundations of Distributed Systems", "Replication and Consistency", "Consensus Protocols",
        "Failure Detection", "Partitioning and Sharding", "Transactions Across Nodes", "Clocks and Ordering",
        "Storage Engines", "Stream Processing", "Operating Services in Production",
    ]

    func report() throws -> ExtractedDocument {
        try DocumentExtractor().extract(try TestSupport.fixture("report.pdf"), mimeType: "application/pdf",
                                        filename: "report.pdf")
    }

    @Test("ten pages, the metadata title, and about 5,000 words")
    func pagesAndTitle() throws {
        let document = try report()
        #expect(document.pageCount == 10)
        #expect(document.title == "Distributed Systems Course Notes")
        let words = document.blocks.reduce(0) { $0 + $1.text.split(whereSeparator: \.isWhitespace).count }
        #expect((4_900...5_100).contains(words), "\(words) words")
    }

    @Test("each chapter heading is level 1 on its own page, its sections level 2")
    func headings() throws {
        let headings = try report().blocks.compactMap { block -> (Int, String, Int?)? in
            guard case .heading(let level) = block.kind else { return nil }
            return (level, block.text, block.page)
        }
        var expected: [(Int, String, Int?)] = []
        for (index, title) in Self.chapters.enumerated() {
            let number = index + 1
            expected += [(1, "Chapter \(number). \(title)", number), (2, "\(number).1 Overview", number),
                         (2, "\(number).2 Discussion", number)]
        }
        #expect(headings.map(\.0) == expected.map(\.0))
        #expect(headings.map(\.1) == expected.map(\.1))
        #expect(headings.map(\.2) == expected.map(\.2))
    }

    @Test("paragraphs keep their page; a marked sentence opens its paragraph on the expected page")
    func paragraphs() throws {
        let paragraphs = try report().blocks.filter { $0.kind == .paragraph }
        #expect(paragraphs.count == 60)  // six per chapter
        let markers = [
            2: "The quorum intersection property guarantees that every read observes the latest write.",
            7: "Lamport clocks order events without any synchronised physical time.",
            10: "Runbooks turn a midnight incident into a checklist that anyone on call can follow.",
        ]
        for (page, sentence) in markers {
            let found = paragraphs.filter { $0.text.hasPrefix(sentence) }
            #expect(found.count == 1 && found.first?.page == page, "\(sentence)")
        }
        // Lines of one paragraph join with single spaces; no hyphenation or line breaks left.
        #expect(paragraphs.allSatisfy { !$0.text.contains("\n") && !$0.text.contains("  ") })
    }

    @Test("the table on page 3 keeps every cell apart")
    func table() throws {
        let tables = try report().blocks.filter { if case .table = $0.kind { true } else { false } }
        #expect(tables.count == 1)
        #expect(tables.first?.page == 3)
        #expect(tables.first?.kind == .table(rows: [
            ["Protocol", "Messages per write", "Fault tolerance", "Commit latency"],
            ["Two-phase commit", "4n", "none (blocking)", "2 round trips"],
            ["Multi-Paxos", "2n", "f of 2f+1", "1 round trip"],
            ["Raft", "2n", "f of 2f+1", "1 round trip"],
            ["Chain replication", "n", "f of f+1", "n hops"],
        ]))
    }

    @Test("the bulleted list on page 5 is three list items without their bullets")
    func list() throws {
        let items = try report().blocks.filter { if case .listItem = $0.kind { true } else { false } }
        #expect(items == [
            DocumentBlock(kind: .listItem(depth: 0, ordered: false), text: "Hash partitioning spreads keys evenly across nodes.", page: 5),
            DocumentBlock(kind: .listItem(depth: 0, ordered: false), text: "Range partitioning keeps neighbouring keys together for scans.", page: 5),
            DocumentBlock(kind: .listItem(depth: 0, ordered: false), text: "Consistent hashing moves few keys when a node joins.", page: 5),
        ])
    }

    @Test("pages never go backwards along the blocks")
    func pageOrder() throws {
        let pages = try report().blocks.compactMap(\.page)
        #expect(pages == pages.sorted())
        #expect(Set(pages) == Set(1...10))
    }

    @Test("extractions of every format running at once on all cores give the results of one at a time")
    func concurrentExtraction() async throws {
        let names = ["report.pdf", "guide.html", "notes.md", "handbook.docx", "slides.pptx", "plain.txt"]
        let files = try names.map { try TestSupport.fixture($0) }
        let expected = try zip(names, files).map { try DocumentExtractor().extract($1, mimeType: nil, filename: $0) }
        let results = try await withThrowingTaskGroup(of: Bool.self) { group in
            for _ in 0..<4 {
                group.addTask {
                    try zip(names, files).map { try DocumentExtractor().extract($1, mimeType: nil, filename: $0) }
                        == expected
                }
            }
            var all: [Bool] = []
            for try await result in group { all.append(result) }
            return all
        }
        #expect(results == [true, true, true, true])
    }
}
