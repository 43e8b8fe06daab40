@testable import Documents
import Testing

/// The page geometry rules of `PDFPageLayout` on hand-placed characters (10 pt, 6 pt advance per character).
@Suite struct PDFLayoutTests {
    /// One poppler line: `text` starting at `x`, on the line whose top is `y`.
    static func line(_ text: String, x: Double, y: Double, size: Double = 10) -> [PDFGlyph] {
        text.unicodeScalars.enumerated().map { offset, scalar in
            let left = x + Double(offset) * 6
            return PDFGlyph(scalar: scalar, x1: left, y1: y, x2: left + 5, y2: y + size, fontSize: size, monospace: false)
        }
    }

    static func texts(_ items: [PDFPageItem]) -> [String] {
        items.map { item in
            switch item {
            case .line(let line): line.text
            case .table(let rows): rows.map { $0.joined(separator: "|") }.joined(separator: "/")
            }
        }
    }

    @Test("cells that poppler reports as one line are cut at wide gaps and aligned into columns")
    func tableFromOneLinePerRow() {
        let lines = [
            Self.line("Name", x: 50, y: 100) + Self.line("Score", x: 200, y: 100),
            Self.line("Ada Lovelace", x: 50, y: 116) + Self.line("97", x: 206, y: 116),
            Self.line("Alan Turing", x: 50, y: 132) + Self.line("100", x: 200, y: 132),
        ]
        #expect(Self.texts(PDFPageLayout.items(lines: lines)) == ["Name|Score/Ada Lovelace|97/Alan Turing|100"])
    }

    @Test("cells that poppler reports as separate lines are joined into rows by their height")
    func tableFromCellLines() {
        let lines = [Self.line("Name", x: 50, y: 100), Self.line("Ada", x: 50, y: 116),
                     Self.line("Score", x: 200, y: 100), Self.line("97", x: 200, y: 116.5)]
        #expect(Self.texts(PDFPageLayout.items(lines: lines)) == ["Name|Score/Ada|97"])
    }

    @Test("a single row with a gap is a line of text, not a table")
    func lonelyGap() {
        let lines = [Self.line("Signed", x: 50, y: 100) + Self.line("Date", x: 300, y: 100),
                     Self.line("The next paragraph starts here", x: 50, y: 116)]
        #expect(Self.texts(PDFPageLayout.items(lines: lines)) == ["Signed Date", "The next paragraph starts here"])
    }

    @Test("running text set in two columns is read column by column")
    func textColumns() {
        let left = ["the first column holds these words of running text", "and carries on down the page in order here"]
        let right = ["the second column starts at the top again", "and ends the page with its last few words"]
        let lines = (0..<2).map { row in
            Self.line(left[row], x: 40, y: 100 + Double(row) * 12) + Self.line(right[row], x: 400, y: 100 + Double(row) * 12)
        }
        #expect(Self.texts(PDFPageLayout.items(lines: lines)) == left + right)
    }

    @Test("a bullet set apart from its text stays with it (no two-column table of bullets)")
    func bullets() {
        let lines = [Self.line("•", x: 50, y: 100) + Self.line("First point", x: 70, y: 100),
                     Self.line("•", x: 50, y: 116) + Self.line("Second point", x: 70, y: 116)]
        #expect(Self.texts(PDFPageLayout.items(lines: lines)) == ["• First point", "• Second point"])
        #expect(ListMarker.split("• First point")?.rest == "First point")
        #expect(ListMarker.split("12) Twelfth")?.ordered == true)
        #expect(ListMarker.split("e.g. this") == nil && ListMarker.split("3.5 percent") == nil)
        #expect(ListMarker.split("•Glued to its bullet")?.rest == "Glued to its bullet")
        #expect(ListMarker.split("-5 degrees") == nil)
    }

    @Test("paragraph breaks: a wider gap, a first-line indent; page numbers in the margin are dropped")
    func paragraphs() throws {
        var items: [PDFPageItem] = []
        let rows: [(String, Double, Double)] = [
            ("First paragraph line one", 50, 100), ("continues here.", 50, 112),
            ("Second paragraph after a gap", 50, 130),
            ("Third starts indented", 70, 142), ("and goes on.", 50, 154),
            ("7", 300, 800),
        ]
        for (text, x, y) in rows { items += PDFPageLayout.items(lines: [Self.line(text, x: x, y: y)]) }
        let page = PDFBlockBuilder.Page(number: 1, height: 842, items: items)
        #expect(try PDFBlockBuilder.blocks(of: [page], limits: ExtractionLimits()).map(\.text) == [
            "First paragraph line one continues here.", "Second paragraph after a gap",
            "Third starts indented and goes on.",
        ])
        #expect(PDFBlockBuilder.join("exam-", "ple") == "example" && PDFBlockBuilder.join("Ver-", "Sion") == "Ver- Sion")
    }

    @Test("running headers and page numbers in the margins are dropped; monospaced lines are code")
    func furnitureAndCode() throws {
        func glyphs(_ text: String, x: Double, y: Double, monospace: Bool = false) -> [PDFGlyph] {
            Self.line(text, x: x, y: y).map { glyph in
                var glyph = glyph
                glyph.monospace = monospace
                return glyph
            }
        }
        let pages = (1...3).map { number in
            var lines = [glyphs("Course Notes, Week \(number)", x: 50, y: 20), glyphs("Body of page \(number).", x: 50, y: 300)]
            if number == 2 {
                lines += [glyphs("let a = 1", x: 50, y: 320, monospace: true), glyphs("let b = 2", x: 50, y: 342, monospace: true)]
            }
            lines.append(glyphs("Page \(number) of 3", x: 250, y: 800))
            return PDFBlockBuilder.Page(number: number, height: 842, items: PDFPageLayout.items(lines: lines))
        }
        let blocks = try PDFBlockBuilder.blocks(of: pages, limits: ExtractionLimits())
        #expect(blocks == [
            DocumentBlock(kind: .paragraph, text: "Body of page 1.", page: 1),
            DocumentBlock(kind: .paragraph, text: "Body of page 2.", page: 2),
            DocumentBlock(kind: .code(language: nil), text: "let a = 1\n\nlet b = 2", page: 2),
            DocumentBlock(kind: .paragraph, text: "Body of page 3.", page: 3),
        ])
    }

    @Test("glyphs at absurd coordinates do not crash the layout")
    func absurdCoordinates() throws {
        let glyphs = [PDFGlyph(scalar: "a", x1: -1e308, y1: 1e308, x2: 1e308, y2: -1e308, fontSize: 1e308, monospace: false),
                      PDFGlyph(scalar: "b", x1: 0, y1: 0, x2: 0, y2: 0, fontSize: 0, monospace: true)]
        let items = PDFPageLayout.items(lines: [glyphs, Array(glyphs.reversed())])
        let page = PDFBlockBuilder.Page(number: 1, height: 0, items: items)
        #expect(try !PDFBlockBuilder.blocks(of: [page], limits: ExtractionLimits()).isEmpty)
    }
}
