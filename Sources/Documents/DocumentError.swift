/// Why a document could not be read. Every case but `unavailable` is the uploaded file's fault (or its limits'):
/// the pipeline stores `description` as the file's `error_message` and does not retry, since the same bytes fail
/// the same way (`isPermanent`). The messages say what is wrong and what the user can do about it.
public enum DocumentError: Error, Equatable, Sendable, CustomStringConvertible {
    /// The file has no bytes.
    case empty
    /// A declared type or filename this room does not read (an image, a spreadsheet, ...).
    case unsupportedFormat(mimeType: String?, filename: String?)
    /// The declared type (MIME type, else the filename's extension) and the bytes disagree.
    case formatMismatch(declared: DocumentFormat, detected: DetectedContent)
    /// A text, Markdown or HTML file that is not valid UTF-8; `byteOffset` is the first bad byte.
    case invalidUTF8(byteOffset: Int)
    /// The file is cut short or corrupt; `reason` says what the parser found.
    case damaged(DocumentFormat, reason: String)
    /// A PDF that needs a password to open.
    case encrypted
    /// A PDF whose pages carry no text (a scan or pictures of text).
    case noTextLayer(pageCount: Int)
    /// The document parsed but holds no text at all.
    case noText(DocumentFormat)
    /// The document is larger or deeper than `ExtractionLimits` allows (a zip bomb, a 10,000-level tree, ...).
    case limitExceeded(ExtractionLimits.Limit, limit: Int)
    /// The server has no embedding model (its files are missing): the file fails at once, and
    /// `documentProcessing.retryDocument` processes it again once the model is installed.
    case modelUnavailable(String)
    /// The server could not read the file right now (its temporary storage failed); a retry may succeed.
    case unavailable(String)

    /// False only for `unavailable`: the same bytes will fail the same way again.
    public var isPermanent: Bool {
        if case .unavailable = self { return false }
        return true
    }

    public var description: String {
        switch self {
        case .empty:
            return "The file is empty (0 bytes): upload the document again."
        case .unsupportedFormat(let mimeType, let filename):
            let what = [mimeType.map { "type \($0)" }, filename.map { "file \($0)" }].compactMap { $0 }
                .joined(separator: ", ")
            return "This file cannot be read as a document (\(what.isEmpty ? "unknown type" : what)): "
                + "upload PDF, Word (.docx), PowerPoint (.pptx), HTML, Markdown or plain text."
        case .formatMismatch(let declared, let detected):
            var message = "The file was declared as \(declared.displayName) but its content is \(detected.displayName)"
            if declared == .pdf, detected == .text {
                message += " (a PDF that is still base64-encoded looks like this)"
            }
            return message + ": upload the original file with its correct type."
        case .invalidUTF8(let offset):
            return "The file is not valid UTF-8 text (the first invalid byte is at offset \(offset)): "
                + "save it with UTF-8 encoding and upload it again."
        case .damaged(let format, let reason):
            return "The \(format.displayName) file is damaged or incomplete (\(reason)): "
                + "open it in its application, save it again and upload the new copy."
        case .encrypted:
            return "The PDF is password-protected: remove the password (print or export it unprotected) "
                + "and upload it again."
        case .noTextLayer(let pages):
            return "The PDF's \(pages) page\(pages == 1 ? "" : "s") carry no text layer (it was scanned or made of "
                + "pictures of text): run OCR on it (for example with ocrmypdf) or upload the original document."
        case .noText(let format):
            return "The \(format.displayName) document contains no text to index."
        case .limitExceeded(let limit, let value):
            return limit.message(limit: value)
        case .modelUnavailable(let reason):
            return "The server's embedding model is not available (\(reason)): install it (scripts/fetch-model.sh) and retry the document."
        case .unavailable(let reason):
            return "The document could not be read right now (\(reason)): retry the processing later."
        }
    }
}

/// What the bytes of a file turned out to be, for `DocumentError.formatMismatch`.
public enum DetectedContent: String, Equatable, Sendable {
    case pdf
    case docx
    case pptx
    /// A ZIP archive that is neither a Word nor a PowerPoint document.
    case otherZip
    /// Valid UTF-8 text (plain text, Markdown or HTML: the bytes cannot tell these apart reliably).
    case text
    /// Anything else: binary data that is not UTF-8 text.
    case binary

    var displayName: String {
        switch self {
        case .pdf: "a PDF document"
        case .docx: "a Word document (.docx)"
        case .pptx: "a PowerPoint presentation (.pptx)"
        case .otherZip: "a ZIP archive that is not a Word or PowerPoint document"
        case .text: "plain text"
        case .binary: "binary data that is not text"
        }
    }
}
