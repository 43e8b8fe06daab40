@testable import Documents
import Foundation
import Testing

/// The declared type decides, the bytes must agree.
@Suite struct FormatDetectionTests {
    static let docxType = DocumentFormat.docx.mimeType
    static let pptxType = DocumentFormat.pptx.mimeType

    func detect(_ data: Data, _ mimeType: String?, _ filename: String?) -> Result<DocumentFormat, DocumentError> {
        Result { () throws(DocumentError) in try DocumentFormat.detect(data, mimeType: mimeType, filename: filename) }
    }

    @Test("every fixture is detected from its MIME type, its extension alone, and its bytes alone")
    func fixtures() throws {
        let cases: [(String, String, DocumentFormat)] = [
            ("plain.txt", "text/plain", .text), ("notes.md", "text/markdown", .markdown),
            ("guide.html", "text/html; charset=utf-8", .html), ("report.pdf", "application/pdf", .pdf),
            ("handbook.docx", Self.docxType, .docx), ("slides.pptx", Self.pptxType, .pptx),
        ]
        for (name, mimeType, format) in cases {
            let data = try TestSupport.fixture(name)
            #expect(try detect(data, mimeType, name).get() == format)
            #expect(try detect(data, "application/octet-stream", name).get() == format)
            #expect(try detect(data, nil, nil).get() == (format == .markdown || format == .html ? .text : format))
        }
    }

    @Test("text/plain on a .md file is Markdown")
    func plainMarkdown() throws {
        #expect(try detect(Data("# Title".utf8), "text/plain", "notes.md").get() == .markdown)
        #expect(try detect(Data("# Title".utf8), "text/plain", "notes.txt").get() == .text)
    }

    @Test("a declared type the bytes contradict is formatMismatch naming both")
    func mismatches() throws {
        let pdf = try TestSupport.fixture("report.pdf")
        let docx = try TestSupport.fixture("handbook.docx")
        let pptx = try TestSupport.fixture("slides.pptx")
        #expect(detect(docx, "application/pdf", "x.pdf") == .failure(.formatMismatch(declared: .pdf, detected: .docx)))
        #expect(detect(pdf, Self.docxType, "x.docx") == .failure(.formatMismatch(declared: .docx, detected: .pdf)))
        #expect(detect(pptx, Self.docxType, "x.docx") == .failure(.formatMismatch(declared: .docx, detected: .pptx)))
        #expect(detect(pdf, "text/plain", "x.txt") == .failure(.formatMismatch(declared: .text, detected: .pdf)))
        #expect(detect(docx, "text/html", "x.html") == .failure(.formatMismatch(declared: .html, detected: .docx)))
        let otherZip = try ZipBuilder.zip([("readme.txt", Data("hello".utf8))])
        #expect(detect(otherZip, Self.docxType, "x.docx")
            == .failure(.formatMismatch(declared: .docx, detected: .otherZip)))
        // The extension declares when the MIME type is generic.
        #expect(detect(docx, "application/octet-stream", "x.pdf")
            == .failure(.formatMismatch(declared: .pdf, detected: .docx)))
    }

    @Test("base64 of a PDF declared as a PDF: a mismatch whose message suggests the encoding")
    func base64Garbage() throws {
        let encoded = Data(try TestSupport.fixture("report.pdf").base64EncodedString().utf8)
        let result = detect(encoded, "application/pdf", "report.pdf")
        #expect(result == .failure(.formatMismatch(declared: .pdf, detected: .text)))
        if case .failure(let error) = result { #expect(error.description.contains("base64")) }
    }

    @Test("text that is not UTF-8 reports the offset of the first bad byte")
    func invalidUTF8() {
        var latin1 = Data("Caf".utf8)
        latin1.append(0xE9)  // é in Latin-1
        #expect(detect(latin1, "text/plain", "a.txt") == .failure(.invalidUTF8(byteOffset: 3)))
        let utf16 = "hello".data(using: .utf16LittleEndian) ?? Data()
        #expect(detect(utf16, "text/markdown", "a.md") == .failure(.invalidUTF8(byteOffset: 1)))
        // With nothing declared, binary data is not a document.
        #expect(detect(Data([0x89, 0x50, 0x4E, 0x47, 0x0D, 0x0A, 0x1A, 0x0A]), nil, "x.bin")
            == .failure(.unsupportedFormat(mimeType: nil, filename: "x.bin")))
    }

    @Test("UTF-8 validation: overlong forms, surrogates, truncated sequences, values past U+10FFFF, NUL")
    func utf8Validation() {
        func offset(_ bytes: [UInt8]) -> Int? { UTF8Validation.firstInvalidOffset(Data(bytes)) }
        #expect(offset(Array("añ€😀".utf8)) == nil)
        #expect(offset([0x61, 0xC0, 0xAF]) == 1)        // overlong '/'
        #expect(offset([0xE0, 0x80, 0xAF]) == 0)        // overlong 3-byte
        #expect(offset([0xED, 0xA0, 0x80]) == 0)        // surrogate U+D800
        #expect(offset([0x61, 0x62, 0xE2, 0x82]) == 2)  // cut short
        #expect(offset([0xF4, 0x90, 0x80, 0x80]) == 0)  // U+110000
        #expect(offset([0x61, 0x00]) == 1)              // NUL
        #expect(offset([0xE2, 0x28, 0xA1]) == 0)        // bad continuation
        #expect(UTF8Validation.decode(Data([0xEF, 0xBB, 0xBF, 0x68, 0x69])) == "hi")
    }

    @Test("empty files, images and unknown types are refused with a message naming the type")
    func refusals() {
        #expect(detect(Data(), "application/pdf", "a.pdf") == .failure(.empty))
        #expect(detect(Data([0x89, 0x50]), "image/png", "a.png") == .failure(.unsupportedFormat(mimeType: "image/png", filename: "a.png")))
        if case .failure(let error) = detect(Data([1]), "image/png", "a.png") {
            #expect(error.description.contains("image/png"))
        }
        #expect(DocumentError.empty.description.contains("empty"))
    }
}
