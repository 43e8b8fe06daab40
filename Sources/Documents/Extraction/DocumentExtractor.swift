import Foundation

/// The room's front door for extraction: bytes and what the uploader declared in, structured text out.
///
/// Extraction is synchronous CPU work (a 10-page PDF takes tens of milliseconds, a large one seconds): call it
/// from a worker thread, never an event loop. It is safe to run on several threads at once.
public struct DocumentExtractor: Sendable {
    public var limits: ExtractionLimits

    public init(limits: ExtractionLimits = .init()) {
        self.limits = limits
    }

    /// Detects the format (`DocumentFormat.detect`: the declared MIME type or extension, checked against the
    /// bytes) and extracts the document.
    public func extract(_ bytes: Data, mimeType: String?, filename: String?) throws(DocumentError) -> ExtractedDocument {
        let format = try DocumentFormat.detect(bytes, mimeType: mimeType, filename: filename, limits: limits)
        return try extract(bytes, as: format)
    }

    /// Extracts bytes whose format is known (the bytes are still checked where the parser needs them to be).
    public func extract(_ bytes: Data, as format: DocumentFormat) throws(DocumentError) -> ExtractedDocument {
        guard !bytes.isEmpty else { throw .empty }
        switch format {
        case .text, .markdown, .html:
            if let offset = UTF8Validation.firstInvalidOffset(bytes) { throw .invalidUTF8(byteOffset: offset) }
            let text = UTF8Validation.decode(bytes)
            switch format {
            case .text: return try PlainTextExtractor.extract(text, limits: limits)
            case .markdown: return try MarkdownExtractor.extract(text, limits: limits)
            default: return try HTMLExtractor.extract(text, limits: limits)
            }
        case .pdf:
            return try PDFExtractor.extract(bytes, limits: limits)
        case .docx:
            return try DOCXExtractor.extract(bytes, limits: limits)
        case .pptx:
            return try PPTXExtractor.extract(bytes, limits: limits)
        }
    }
}
