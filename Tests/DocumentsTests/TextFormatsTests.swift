import Documents
import Foundation
import Testing

/// Plain text, Markdown (cmark-gfm) and HTML (libxml2) against the committed fixtures.
@Suite struct TextFormatsTests {
    func extract(_ name: String, _ mimeType: String) throws -> ExtractedDocument {
        try DocumentExtractor().extract(try TestSupport.fixture(name), mimeType: mimeType, filename: name)
    }

    func extract(text: String, as format: DocumentFormat) throws -> ExtractedDocument {
        try DocumentExtractor().extract(Data(text.utf8), as: format)
    }

    @Test("plain text: paragraphs split on blank lines, lines joined, no headings guessed")
    func plainText() throws {
        let document = try extract("plain.txt", "text/plain")
        #expect(document.blocks == [
            DocumentBlock(kind: .paragraph, text: "Course announcement"),
            DocumentBlock(kind: .paragraph, text: "The first lecture starts on Monday at nine. Bring a laptop with Python installed."),
            DocumentBlock(kind: .paragraph, text: "Office hours move to Thursday this week."),
            DocumentBlock(kind: .paragraph, text: "Questions? Write to the course forum."),
        ])
        #expect(document.pageCount == nil && document.title == nil)
        #expect(try extract(text: "a\r\n\r\nb\r\nc", as: .text).blocks.map(\.text) == ["a", "b c"])
        #expect(try extract(text: "\u{FEFF}x", as: .text).blocks.map(\.text) == ["x"])
    }

    @Test("Markdown: headings, GFM table cells, fenced code with its language, nested and ordered lists, quote, image")
    func markdown() throws {
        let document = try extract("notes.md", "text/markdown")
        #expect(document.blocks == [
            DocumentBlock(kind: .heading(level: 1), text: "Lecture Notes"),
            DocumentBlock(kind: .paragraph, text: "Databases store structured data and answer queries about it."),
            DocumentBlock(kind: .heading(level: 2), text: "Indexes"),
            DocumentBlock(kind: .paragraph, text: "A B-tree index keeps keys sorted, so range scans are cheap."),
            .table([["Index", "Lookup", "Range scan"], ["B-tree", "O(log n)", "yes"], ["Hash", "O(1)", "no"]]),
            DocumentBlock(kind: .code(language: "sql"), text: "CREATE INDEX idx_name ON students (name);"),
            DocumentBlock(kind: .heading(level: 3), text: "Trade-offs"),
            DocumentBlock(kind: .listItem(depth: 0, ordered: false), text: "Faster reads"),
            DocumentBlock(kind: .listItem(depth: 1, ordered: false), text: "Especially for selective predicates"),
            DocumentBlock(kind: .listItem(depth: 0, ordered: false), text: "Slower writes"),
            DocumentBlock(kind: .listItem(depth: 0, ordered: true), text: "Measure first"),
            DocumentBlock(kind: .listItem(depth: 0, ordered: true), text: "Then index"),
            DocumentBlock(kind: .quote, text: "Premature indexing is the root of some evil."),
            DocumentBlock(kind: .paragraph, text: "![Diagram of a B-tree](btree.png)"),
        ])
    }

    @Test("a list item's later paragraphs join it; setext headings and HTML blocks are read")
    func markdownDetails() throws {
        let document = try extract(text: "Title\n=====\n\n- first\n\n  more of first\n- second\n\n<div>raw <b>html</b></div>\n",
                                   as: .markdown)
        #expect(document.blocks == [
            DocumentBlock(kind: .heading(level: 1), text: "Title"),
            DocumentBlock(kind: .listItem(depth: 0, ordered: false), text: "first more of first"),
            DocumentBlock(kind: .listItem(depth: 0, ordered: false), text: "second"),
            DocumentBlock(kind: .paragraph, text: "raw html"),
        ])
    }

    @Test("markdown() of a Markdown document parses back to the same blocks")
    func markdownRoundTrip() throws {
        for name in ["notes.md", "guide.html", "handbook.docx", "slides.pptx"] {
            let document = try DocumentExtractor().extract(try TestSupport.fixture(name), mimeType: nil, filename: name)
            let again = try extract(text: document.markdown(), as: .markdown)
            #expect(again.blocks.map(\.kind) == document.blocks.map(\.kind), "\(name)")
            #expect(again.blocks.map(\.text) == document.blocks.map(\.text), "\(name)")
        }
    }

    @Test("markdown() renders tables as pipe tables, escapes pipes and block markers, numbers ordered items")
    func markdownRendering() {
        let document = ExtractedDocument(blocks: [
            DocumentBlock(kind: .heading(level: 2), text: "Costs"),
            .table([["a|b", "c"], ["1"]]),
            DocumentBlock(kind: .paragraph, text: "# not a heading"),
            DocumentBlock(kind: .paragraph, text: "3. not a list"),
            DocumentBlock(kind: .listItem(depth: 0, ordered: true), text: "one"),
            DocumentBlock(kind: .listItem(depth: 1, ordered: false), text: "inner"),
            DocumentBlock(kind: .listItem(depth: 0, ordered: true), text: "two"),
            DocumentBlock(kind: .code(language: nil), text: "x = `y` ```"),
        ])
        #expect(document.markdown() == """
            ## Costs

            | a\\|b | c |
            | --- | --- |
            | 1 |  |

            \\# not a heading

            3\\. not a list

            1. one
              - inner
            2. two

            ````
            x = `y` ```
            ````

            """)
    }

    @Test("HTML: title, headings, entities, nested lists, table cells, code with language, quote; nav and script dropped")
    func html() throws {
        let document = try extract("guide.html", "text/html")
        #expect(document.title == "Study Guide")
        #expect(document.blocks == [
            DocumentBlock(kind: .heading(level: 1), text: "Study Guide"),
            DocumentBlock(kind: .paragraph, text: "Read each chapter before the lecture & take notes."),
            DocumentBlock(kind: .heading(level: 2), text: "Weekly plan"),
            DocumentBlock(kind: .listItem(depth: 0, ordered: false), text: "Monday: reading"),
            DocumentBlock(kind: .listItem(depth: 1, ordered: false), text: "Chapter summaries"),
            DocumentBlock(kind: .listItem(depth: 0, ordered: false), text: "Wednesday: exercises"),
            DocumentBlock(kind: .listItem(depth: 0, ordered: true), text: "Attempt every problem"),
            DocumentBlock(kind: .listItem(depth: 0, ordered: true), text: "Compare with the solutions"),
            DocumentBlock(kind: .heading(level: 2), text: "Grading"),
            .table([["Part", "Share"], ["Homework", "40%"], ["Exam", "60%"]]),
            DocumentBlock(kind: .code(language: "python"), text: "def mean(xs):\n    return sum(xs) / len(xs)"),
            DocumentBlock(kind: .quote, text: "Practice beats cramming."),
            DocumentBlock(kind: .paragraph, text: "Questions go to the forum."),
        ])
        let text = document.blocks.map(\.text).joined(separator: " ")
        #expect(!text.contains("Courses") && !text.contains("console") && !text.contains("track"))
    }

    @Test("HTML: a table inside a cell joins that cell, a caption stays outside, images become Markdown images")
    func htmlDetails() throws {
        let html = """
            <table><caption>Caption text</caption><tr><td>outer <table><tr><td>in1</td><td>in2</td></tr></table></td>
            <td>right</td></tr></table><p>See <img src="a.png" alt="a chart"> here<br>and there</p>
            """
        let document = try extract(text: html, as: .html)
        #expect(document.blocks == [
            DocumentBlock(kind: .paragraph, text: "Caption text"),
            .table([["outer in1 in2", "right"]]),
            DocumentBlock(kind: .paragraph, text: "See ![a chart](a.png) here and there"),
        ])
    }

    @Test("HTML nested 300 levels deep is read; Markdown quotes 300 deep too")
    func deepButAllowed() throws {
        let html = String(repeating: "<div>", count: 300) + "deep text" + String(repeating: "</div>", count: 300)
        #expect(try extract(text: html, as: .html).blocks.map(\.text) == ["deep text"])
        let markdown = String(repeating: ">", count: 300) + " quoted"
        #expect(try extract(text: markdown, as: .markdown).blocks == [DocumentBlock(kind: .quote, text: "quoted")])
    }
}
