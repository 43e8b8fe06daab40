import Documents
import Foundation
import Testing

/// Files that are broken, hostile or simply not documents: each ends in a DocumentError, never a crash or a hang.
@Suite struct HostileInputTests {
    func error(_ data: Data, _ mimeType: String?, _ filename: String?,
               limits: ExtractionLimits = .init()) -> DocumentError? {
        TestSupport.documentError { () throws(DocumentError) in
            _ = try DocumentExtractor(limits: limits).extract(data, mimeType: mimeType, filename: filename)
        }
    }

    @Test("zip bomb docx: a 128 MiB document part stops at the 100 MiB entry limit")
    func zipBomb() throws {
        let bomb = try ZipBuilder.bombDocx(size: 128 << 20)
        #expect(bomb.count < 1 << 20)  // ≈ 1,000:1
        #expect(error(bomb, DocumentFormat.docx.mimeType, "bomb.docx") == .limitExceeded(.zipEntryBytes, limit: 100 << 20))
    }

    @Test("the total and entry-count limits of a package hold too")
    func zipLimits() throws {
        let part = Data(ZipBuilder.wordDocument(["hello"]).utf8)
        let docx = try ZipBuilder.zip([("[Content_Types].xml", Data(ZipBuilder.wordContentTypes.utf8)),
                                       ("word/document.xml", part)])
        var limits = ExtractionLimits()
        limits.maxZipTotalBytes = part.count - 1  // the content types (read to detect) fit, the document part not
        #expect(error(docx, nil, "a.docx", limits: limits) == .limitExceeded(.zipTotalBytes, limit: limits.maxZipTotalBytes))
        limits = ExtractionLimits()
        limits.maxZipEntries = 1
        #expect(error(docx, nil, "a.docx", limits: limits) == .limitExceeded(.zipEntries, limit: 1))
        #expect(try DocumentExtractor().extract(docx, as: .docx).blocks.map(\.text) == ["hello"])
    }

    @Test("a docx cut in half, or with a corrupted document part, is damaged")
    func damagedDocx() throws {
        let docx = try TestSupport.fixture("handbook.docx")
        guard case .damaged(.docx, _)? = error(docx.prefix(docx.count / 2), DocumentFormat.docx.mimeType, "h.docx") else {
            Issue.record("a truncated docx must be damaged")
            return
        }
        // Flip bytes inside the deflated document part: inflation or the CRC check fails.
        let part = Data(ZipBuilder.wordDocument(Array(repeating: "some words to compress", count: 200)).utf8)
        var zip = try ZipBuilder.zip([("[Content_Types].xml", Data(ZipBuilder.wordContentTypes.utf8)),
                                      ("word/document.xml", part)])
        let middle = zip.count / 2
        for i in middle..<middle + 16 { zip[i] ^= 0x5A }
        guard case .damaged(.docx, _)? = error(zip, DocumentFormat.docx.mimeType, "c.docx") else {
            Issue.record("a corrupted part must be damaged")
            return
        }
    }

    @Test("XML with a DTD (the door to entity expansion) or nested past the limit is refused")
    func hostileXML() throws {
        let laughs = """
            <?xml version="1.0"?><!DOCTYPE w:document [<!ENTITY a "aaaaaaaaaa"><!ENTITY b "&a;&a;&a;&a;&a;&a;&a;&a;">]>
            <w:document xmlns:w="http://schemas.openxmlformats.org/wordprocessingml/2006/main"><w:body><w:p><w:r>\
            <w:t>&b;</w:t></w:r></w:p></w:body></w:document>
            """
        let docx = try ZipBuilder.zip([("[Content_Types].xml", Data(ZipBuilder.wordContentTypes.utf8)),
                                       ("word/document.xml", Data(laughs.utf8))])
        guard case .damaged(.docx, let reason)? = error(docx, nil, "dtd.docx") else {
            Issue.record("a DTD must be refused")
            return
        }
        #expect(reason.contains("DTD"))
        let deep = "<w:document xmlns:w=\"http://schemas.openxmlformats.org/wordprocessingml/2006/main\"><w:body>"
            + String(repeating: "<w:sdt>", count: 600) + "<w:p><w:r><w:t>x</w:t></w:r></w:p>"
            + String(repeating: "</w:sdt>", count: 600) + "</w:body></w:document>"
        let deepDocx = try ZipBuilder.zip([("[Content_Types].xml", Data(ZipBuilder.wordContentTypes.utf8)),
                                           ("word/document.xml", Data(deep.utf8))])
        guard case .limitExceeded(.nestingDepth, _)? = error(deepDocx, nil, "deep.docx") else {
            Issue.record("600 levels of XML must pass the depth limit")
            return
        }
    }

    @Test("a PDF cut in half is damaged, not half a document")
    func truncatedPDF() throws {
        let pdf = try TestSupport.fixture("report.pdf")
        guard case .damaged(.pdf, let reason)? = error(pdf.prefix(pdf.count / 2), "application/pdf", "r.pdf") else {
            Issue.record("a truncated PDF must be damaged")
            return
        }
        #expect(reason.contains("cut short"))
        // A header and an end marker around garbage: poppler refuses it.
        let garbage = Data("%PDF-1.7\n".utf8) + Data((0..<4096).map { UInt8(truncatingIfNeeded: $0 &* 7919) }) + Data("\n%%EOF\n".utf8)
        guard case .damaged(.pdf, _)? = error(garbage, "application/pdf", "g.pdf") else {
            Issue.record("garbage between %PDF- and %%EOF must be damaged")
            return
        }
    }

    @Test("an encrypted PDF asks for the password to be removed")
    func encryptedPDF() throws {
        let result = error(try TestSupport.fixture("encrypted.pdf"), "application/pdf", "e.pdf")
        #expect(result == .encrypted)
        #expect(result?.description.contains("password") == true)
    }

    @Test("an image-only PDF has no text layer, and says OCR would help")
    func imageOnlyPDF() throws {
        let result = error(try TestSupport.fixture("image-only.pdf"), "application/pdf", "scan.pdf")
        #expect(result == .noTextLayer(pageCount: 2))
        #expect(result?.description.contains("OCR") == true)
    }

    @Test("HTML nested 10,000 levels deep passes the depth limit without exhausting the stack")
    func deepHTML() {
        let html = String(repeating: "<div>", count: 10_000) + "deep" + String(repeating: "</div>", count: 10_000)
        #expect(error(Data(html.utf8), "text/html", "deep.html") == .limitExceeded(.nestingDepth, limit: 512))
        // 500 levels are within the limit (libxml2 alone would have cut the tree at 256).
        let allowed = String(repeating: "<div>", count: 500) + "deep" + String(repeating: "</div>", count: 500)
        #expect(error(Data(allowed.utf8), "text/html", "ok.html") == nil)
        let inline = String(repeating: "<b>", count: 10_000) + "deep"
        #expect(error(Data(inline.utf8), "text/html", "b.html") == .limitExceeded(.nestingDepth, limit: 512))
        let markdown = String(repeating: ">", count: 10_000) + " deep"
        #expect(error(Data(markdown.utf8), "text/markdown", "q.md") == .limitExceeded(.nestingDepth, limit: 512))
    }

    @Test("invalid UTF-8, a wrong declared MIME type, base64 garbage and an empty file")
    func notDocuments() throws {
        #expect(error(Data([0x48, 0x69, 0xFF, 0xFE]), "text/plain", "a.txt") == .invalidUTF8(byteOffset: 2))
        #expect(error(try TestSupport.fixture("slides.pptx"), "application/pdf", "s.pdf")
            == .formatMismatch(declared: .pdf, detected: .pptx))
        let base64 = Data(try TestSupport.fixture("handbook.docx").base64EncodedString().utf8)
        #expect(error(base64, DocumentFormat.docx.mimeType, "h.docx") == .formatMismatch(declared: .docx, detected: .text))
        #expect(error(Data(), "text/plain", "e.txt") == .empty)
        #expect(error(Data(" \n\t\n".utf8), "text/plain", "blank.txt") == .noText(.text))
        #expect(error(Data("<html><script>x()</script></html>".utf8), "text/html", "s.html") == .noText(.html))
    }

    @Test("the text limit stops a document with too much text")
    func textLimit() {
        var limits = ExtractionLimits()
        limits.maxTextBytes = 1_000
        let text = String(repeating: "word ", count: 1_000)
        #expect(error(Data(text.utf8), "text/plain", "big.txt", limits: limits) == .limitExceeded(.textBytes, limit: 1_000))
        var pdfLimits = ExtractionLimits()
        pdfLimits.maxPages = 9
        #expect((try? TestSupport.fixture("report.pdf")).map { error($0, "application/pdf", "r.pdf", limits: pdfLimits) }
            == .limitExceeded(.pages, limit: 9))
    }

    @Test("every error message says what to do")
    func messages() {
        let errors: [DocumentError] = [
            .empty, .unsupportedFormat(mimeType: "image/png", filename: "a.png"),
            .formatMismatch(declared: .pdf, detected: .text), .invalidUTF8(byteOffset: 3),
            .damaged(.docx, reason: "its ZIP archive cannot be opened"), .encrypted, .noTextLayer(pageCount: 1),
            .noText(.html), .limitExceeded(.zipEntryBytes, limit: 100 << 20), .limitExceeded(.nestingDepth, limit: 512),
            .limitExceeded(.pages, limit: 5_000), .limitExceeded(.textBytes, limit: 128 << 20),
            .limitExceeded(.zipTotalBytes, limit: 200 << 20), .limitExceeded(.zipEntries, limit: 10_000),
        ]
        for error in errors {
            let message = error.description
            #expect(message.count > 30 && message.hasSuffix("."), "\(message)")
        }
        #expect(DocumentError.limitExceeded(.zipEntryBytes, limit: 100 << 20).description.contains("100 MiB"))
    }
}
