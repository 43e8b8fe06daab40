import CPoppler
import Foundation

/// PDF through poppler-glib, one page at a time: each page's text with the box and font of every character
/// (`poppler_page_get_text`, `_get_text_layout`, `_get_text_attributes`), then `PDFPageLayout` (rows, cells,
/// tables) and `PDFBlockBuilder` (headings by font size, paragraphs, lists, code).
///
/// A file without `%%EOF` in its last 1,024 bytes is refused as cut short (poppler would silently read what is
/// left); a password is never tried (`DocumentError.encrypted`); a document whose pages have no text at all is
/// `noTextLayer`. poppler-glib keeps no state between documents beyond its locked global parameters, so
/// documents may be read on several threads at once.
enum PDFExtractor {
    static func extract(_ bytes: Data, limits: ExtractionLimits) throws(DocumentError) -> ExtractedDocument {
        guard bytes.suffix(1024).range(of: Data("%%EOF".utf8)) != nil else {
            throw .damaged(.pdf, reason: "it is cut short: the end-of-file marker is missing")
        }
        let result = bytes.withUnsafeBytes { raw in
            Result { () throws(DocumentError) in try extract(raw, limits: limits) }
        }
        return try result.get()
    }

    /// Poppler reads `raw` in place (`g_bytes_new_static`, no copy of a large file); the document is released
    /// before `raw` goes out of scope.
    private static func extract(_ raw: UnsafeRawBufferPointer, limits: ExtractionLimits) throws(DocumentError)
        -> ExtractedDocument {
        guard let bytes = g_bytes_new_static(raw.baseAddress, gsize(raw.count)) else {
            throw .unavailable("poppler could not take the file's bytes")
        }
        defer { g_bytes_unref(bytes) }
        let document = try open(bytes)
        defer { g_object_unref(UnsafeMutableRawPointer(document)) }
        let pageCount = Int(poppler_document_get_n_pages(document))
        guard pageCount > 0 else { throw .damaged(.pdf, reason: "it has no pages") }
        guard pageCount <= limits.maxPages else { throw .limitExceeded(.pages, limit: limits.maxPages) }
        var pages: [PDFBlockBuilder.Page] = []
        var textBytes = 0
        for index in 0..<pageCount {
            guard let page = poppler_document_get_page(document, Int32(index)) else {
                throw .damaged(.pdf, reason: "page \(index + 1) cannot be read")
            }
            defer { g_object_unref(UnsafeMutableRawPointer(page)) }
            let (lines, bytes, fontSizesKnown) = glyphLines(page)
            textBytes += bytes
            if textBytes > limits.maxTextBytes { throw .limitExceeded(.textBytes, limit: limits.maxTextBytes) }
            var width = 0.0, height = 0.0
            poppler_page_get_size(page, &width, &height)
            pages.append(.init(number: index + 1, height: height, items: PDFPageLayout.items(lines: lines),
                               fontSizesKnown: fontSizesKnown))
        }
        let blocks = try PDFBlockBuilder.blocks(of: pages, limits: limits)
        guard !blocks.isEmpty else { throw .noTextLayer(pageCount: pageCount) }
        return ExtractedDocument(blocks: blocks, pageCount: pageCount, title: title(document))
    }

    private static func open(_ bytes: OpaquePointer) throws(DocumentError) -> OpaquePointer {
        var error: UnsafeMutablePointer<GError>?
        if let document = poppler_document_new_from_bytes(bytes, nil, &error) { return document }
        defer { if let error { g_error_free(error) } }
        if let error, error.pointee.domain == poppler_error_quark(),
           error.pointee.code == Int32(POPPLER_ERROR_ENCRYPTED.rawValue) {
            throw .encrypted
        }
        let message = error.flatMap { $0.pointee.message.map { String(cString: $0) } } ?? "unknown error"
        throw .damaged(.pdf, reason: "poppler cannot open it: \(message)")
    }

    /// The page's characters with their boxes and fonts, split into poppler's lines; its text's UTF-8 size; whether
    /// poppler gave font sizes (without them a character's size is its box height, and no line is a heading).
    private static func glyphLines(_ page: OpaquePointer) -> ([[PDFGlyph]], Int, Bool) {
        guard let textPointer = poppler_page_get_text(page) else { return ([], 0, false) }
        let text = String(cString: textPointer)
        g_free(textPointer)
        let scalars = Array(text.unicodeScalars)
        guard scalars.contains(where: { !$0.properties.isWhitespace }) else { return ([], 0, false) }

        var rectangles: UnsafeMutablePointer<PopplerRectangle>?
        var rectangleCount: guint = 0
        let hasLayout = poppler_page_get_text_layout(page, &rectangles, &rectangleCount) != 0
        defer { g_free(rectangles) }
        guard hasLayout, let rectangles, Int(rectangleCount) == scalars.count else {
            return (fallbackLines(scalars), text.utf8.count, false)
        }

        var fontSizes = Array(repeating: 0.0, count: scalars.count)
        var monospace = Array(repeating: false, count: scalars.count)
        var fontSizesKnown = false
        if let attributes = poppler_page_get_text_attributes(page) {
            defer { poppler_page_free_text_attributes(attributes) }
            var node: UnsafeMutablePointer<GList>? = attributes
            while let current = node {
                if let data = current.pointee.data {
                    let run = data.assumingMemoryBound(to: PopplerTextAttributes.self).pointee
                    let start = max(Int(run.start_index), 0), end = min(Int(run.end_index), scalars.count - 1)
                    let fixed = run.font_name.map { isMonospace(String(cString: $0)) } ?? false
                    if start <= end {
                        fontSizesKnown = fontSizesKnown || run.font_size > 0
                        for i in start...end {
                            fontSizes[i] = run.font_size
                            monospace[i] = fixed
                        }
                    }
                }
                node = current.pointee.next
            }
        }

        var lines: [[PDFGlyph]] = []
        var line: [PDFGlyph] = []
        for (i, scalar) in scalars.enumerated() {
            if scalar == "\n" {
                if !line.isEmpty { lines.append(line) }
                line.removeAll(keepingCapacity: true)
                continue
            }
            let box = rectangles[i]
            let size = fontSizes[i]
            // A hostile file can place text at infinities or NaN: such characters cannot be laid out.
            guard box.x1.isFinite, box.y1.isFinite, box.x2.isFinite, box.y2.isFinite, size.isFinite else { continue }
            let height = abs(box.y2 - box.y1)
            line.append(PDFGlyph(scalar: scalar, x1: min(box.x1, box.x2), y1: min(box.y1, box.y2),
                                 x2: max(box.x1, box.x2), y2: max(box.y1, box.y2),
                                 fontSize: size > 0 ? size : height, monospace: monospace[i]))
        }
        if !line.isEmpty { lines.append(line) }
        return (lines, text.utf8.count, fontSizesKnown)
    }

    /// Without a layout that matches the text, each of poppler's lines stands alone, one above the other.
    private static func fallbackLines(_ scalars: [Unicode.Scalar]) -> [[PDFGlyph]] {
        var lines: [[PDFGlyph]] = []
        var line: [PDFGlyph] = []
        var x = 0.0
        for scalar in scalars {
            if scalar == "\n" {
                if !line.isEmpty { lines.append(line) }
                line.removeAll(keepingCapacity: true)
                x = 0
                continue
            }
            let y = Double(lines.count) * 12
            line.append(PDFGlyph(scalar: scalar, x1: x, y1: y, x2: x + 5, y2: y + 10, fontSize: 10, monospace: false))
            x += 5
        }
        if !line.isEmpty { lines.append(line) }
        return lines
    }

    /// Font names of the common monospaced families (poppler reports e.g. `Courier`, `ABCDEF+DejaVuSansMono`,
    /// TeX's `CMTT10`, `NimbusMonL-Regu`).
    static func isMonospace(_ fontName: String) -> Bool {
        let name = fontName.lowercased()
        return ["courier", "mono", "consolas", "menlo", "inconsolata", "sourcecode", "source code", "lucidaconsole",
                "cmtt", "cmsltt", "sftt", "typewriter", "nimbusmon"]
            .contains { name.contains($0) }
    }

    private static func title(_ document: OpaquePointer) -> String? {
        guard let pointer = poppler_document_get_title(document) else { return nil }
        defer { g_free(pointer) }
        let title = BlockCollector.collapsingWhitespace(String(cString: pointer))
        return title.isEmpty ? nil : title
    }
}
