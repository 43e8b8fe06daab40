import Documents
import Foundation
import Testing

/// Word and PowerPoint files written by python-docx and python-pptx.
@Suite struct OfficeExtractionTests {
    @Test("docx: Title and heading styles, bulleted list on two levels, numbered list, table, page break")
    func handbook() throws {
        let document = try DocumentExtractor().extract(try TestSupport.fixture("handbook.docx"),
                                                       mimeType: DocumentFormat.docx.mimeType, filename: "handbook.docx")
        #expect(document.title == "Course Handbook")
        #expect(document.pageCount == 2)
        #expect(document.blocks == [
            DocumentBlock(kind: .heading(level: 1), text: "Course Handbook", page: 1),
            DocumentBlock(kind: .heading(level: 1), text: "1. Introduction", page: 1),
            DocumentBlock(kind: .paragraph, text: "This handbook explains how the course is organised and how your work is assessed.", page: 1),
            DocumentBlock(kind: .heading(level: 2), text: "1.1 Goals", page: 1),
            DocumentBlock(kind: .paragraph, text: "By the end of the course you will be able to:", page: 1),
            DocumentBlock(kind: .listItem(depth: 0, ordered: false), text: "Design a relational schema", page: 1),
            DocumentBlock(kind: .listItem(depth: 1, ordered: false), text: "Normalise tables to third normal form", page: 1),
            DocumentBlock(kind: .listItem(depth: 0, ordered: false), text: "Write correct SQL queries", page: 1),
            DocumentBlock(kind: .heading(level: 1), text: "2. Assessment", page: 1),
            DocumentBlock(kind: .paragraph, text: "Submit the assignments in this order:", page: 1),
            DocumentBlock(kind: .listItem(depth: 0, ordered: true), text: "Schema design", page: 1),
            DocumentBlock(kind: .listItem(depth: 0, ordered: true), text: "Query workbook", page: 1),
            DocumentBlock(kind: .listItem(depth: 0, ordered: true), text: "Final project", page: 1),
            .table([["Component", "Weight", "Due week"], ["Schema design", "20%", "4"], ["Query workbook", "30%", "8"],
                    ["Final project", "50%", "12"]], page: 1),
            DocumentBlock(kind: .paragraph, text: "Late work loses 10% per day.", page: 1),
            DocumentBlock(kind: .heading(level: 1), text: "Appendix", page: 2),
            DocumentBlock(kind: .paragraph, text: "Office hours are on Tuesdays from 14:00 to 16:00.", page: 2),
        ])
    }

    @Test("docx: deleted text and field codes skipped, hyperlinks and insertions read, a text box its own block, style ids read as names without styles.xml")
    func docxRuns() throws {
        let body = """
            <w:p><w:r><w:t xml:space="preserve">Kept </w:t></w:r><w:del><w:r><w:delText>gone</w:delText></w:r></w:del>\
            <w:ins><w:r><w:t>inserted</w:t></w:r></w:ins><w:r><w:instrText>PAGE \\* MERGEFORMAT</w:instrText></w:r>\
            <w:hyperlink><w:r><w:t xml:space="preserve"> link</w:t></w:r></w:hyperlink><w:r><w:tab/><w:t>end</w:t></w:r>\
            <w:r><w:drawing><w:txbxContent><w:p><w:r><w:t>In a box</w:t></w:r></w:p></w:txbxContent></w:drawing></w:r></w:p>\
            <w:p><w:pPr><w:outlineLvl w:val="2"/></w:pPr><w:r><w:t>Outline heading</w:t></w:r></w:p>\
            <w:p><w:pPr><w:pStyle w:val="Heading2"/></w:pPr><w:r><w:t>Styled without styles.xml</w:t></w:r></w:p>
            """
        let xml = "<w:document xmlns:w=\"http://schemas.openxmlformats.org/wordprocessingml/2006/main\"><w:body>"
            + body + "</w:body></w:document>"
        let docx = try ZipBuilder.zip([("[Content_Types].xml", Data(ZipBuilder.wordContentTypes.utf8)),
                                       ("word/document.xml", Data(xml.utf8))])
        let document = try DocumentExtractor().extract(docx, as: .docx)
        #expect(document.blocks == [
            DocumentBlock(kind: .paragraph, text: "In a box"),
            DocumentBlock(kind: .paragraph, text: "Kept inserted link end"),
            DocumentBlock(kind: .heading(level: 3), text: "Outline heading"),
            DocumentBlock(kind: .heading(level: 2), text: "Styled without styles.xml"),
        ])
        #expect(document.pageCount == nil)
    }

    @Test("pptx: slides in order, titles as headings, bullets with levels, the table, a text box; slide number as page")
    func slides() throws {
        let document = try DocumentExtractor().extract(try TestSupport.fixture("slides.pptx"),
                                                       mimeType: DocumentFormat.pptx.mimeType, filename: "slides.pptx")
        #expect(document.title == "Introduction to Databases")
        #expect(document.pageCount == 3)
        #expect(document.blocks == [
            DocumentBlock(kind: .heading(level: 1), text: "Introduction to Databases", page: 1),
            DocumentBlock(kind: .paragraph, text: "Week 1 lecture", page: 1),
            DocumentBlock(kind: .heading(level: 1), text: "The relational model", page: 2),
            DocumentBlock(kind: .listItem(depth: 0, ordered: false), text: "Data lives in relations", page: 2),
            DocumentBlock(kind: .listItem(depth: 1, ordered: false), text: "A relation is a set of tuples", page: 2),
            DocumentBlock(kind: .listItem(depth: 1, ordered: false), text: "Keys identify tuples", page: 2),
            DocumentBlock(kind: .listItem(depth: 0, ordered: false), text: "Queries are expressions over relations", page: 2),
            DocumentBlock(kind: .heading(level: 1), text: "Join algorithms", page: 3),
            .table([["Algorithm", "Cost", "Needs index"], ["Nested loop", "O(n·m)", "no"], ["Hash join", "O(n+m)", "no"]],
                   page: 3),
            DocumentBlock(kind: .paragraph, text: "Hash joins need memory for the smaller input.", page: 3),
        ])
    }
}
