import Foundation

/// The formats this room reads.
public enum DocumentFormat: String, Sendable, CaseIterable {
    case text, markdown, html, pdf, docx, pptx

    /// The MIME type the platform declares for the format.
    public var mimeType: String {
        switch self {
        case .text: "text/plain"
        case .markdown: "text/markdown"
        case .html: "text/html"
        case .pdf: "application/pdf"
        case .docx: "application/vnd.openxmlformats-officedocument.wordprocessingml.document"
        case .pptx: "application/vnd.openxmlformats-officedocument.presentationml.presentation"
        }
    }

    var displayName: String {
        switch self {
        case .text: "plain text"
        case .markdown: "Markdown"
        case .html: "HTML"
        case .pdf: "PDF"
        case .docx: "Word (.docx)"
        case .pptx: "PowerPoint (.pptx)"
        }
    }

    /// The format the bytes are, given what the uploader declared, or why they cannot be read.
    ///
    /// The declared format comes from the MIME type (parameters such as `; charset=` ignored); a generic type
    /// (empty, `application/octet-stream`, `application/zip`) defers to the filename's extension, and `text/plain`
    /// on a `.md`/`.markdown` file means Markdown. The bytes are then checked: a PDF has `%PDF-` in its first
    /// 1,024 bytes, a docx/pptx is a ZIP whose `[Content_Types].xml` names a Word document or presentation main
    /// part, text/Markdown/HTML are valid UTF-8 without NUL bytes (a UTF-8 byte-order mark is allowed). A
    /// declaration the bytes contradict is `formatMismatch`; with nothing declared, the bytes decide (any text is
    /// plain text).
    public static func detect(_ bytes: Data, mimeType: String?, filename: String?,
                              limits: ExtractionLimits = .init()) throws(DocumentError) -> DocumentFormat {
        guard !bytes.isEmpty else { throw .empty }
        let declared = try declared(mimeType: mimeType, filename: filename)
        let detected = try sniff(bytes, declared: declared, limits: limits)
        guard let declared else {
            switch detected {
            case .pdf: return .pdf
            case .docx: return .docx
            case .pptx: return .pptx
            case .text: return .text
            case .otherZip, .binary: throw .unsupportedFormat(mimeType: mimeType, filename: filename)
            }
        }
        switch declared {
        case .text, .markdown, .html:
            switch detected {
            case .text: return declared
            case .binary: throw .invalidUTF8(byteOffset: UTF8Validation.firstInvalidOffset(bytes) ?? 0)
            default: throw .formatMismatch(declared: declared, detected: detected)
            }
        case .pdf, .docx, .pptx:
            guard detected.rawValue == declared.rawValue else {
                throw .formatMismatch(declared: declared, detected: detected)
            }
            return declared
        }
    }

    /// The format the MIME type (else the extension) names; nil when neither names one.
    static func declared(mimeType: String?, filename: String?) throws(DocumentError) -> DocumentFormat? {
        let fileExtension = filename.map { ($0 as NSString).pathExtension.lowercased() } ?? ""
        let byExtension: DocumentFormat? = switch fileExtension {
        case "txt", "text": .text
        case "md", "markdown": .markdown
        case "html", "htm", "xhtml": .html
        case "pdf": .pdf
        case "docx": .docx
        case "pptx": .pptx
        default: nil
        }
        let type = (mimeType ?? "").split(separator: ";").first.map {
            $0.trimmingCharacters(in: .whitespaces).lowercased()
        } ?? ""
        switch type {
        case "", "application/octet-stream", "binary/octet-stream", "application/zip", "application/x-zip-compressed":
            return byExtension
        case "text/plain":
            return byExtension == .markdown ? .markdown : .text
        case "text/markdown", "text/x-markdown": return .markdown
        case "text/html", "application/xhtml+xml": return .html
        case "application/pdf", "application/x-pdf": return .pdf
        case DocumentFormat.docx.mimeType: return .docx
        case DocumentFormat.pptx.mimeType: return .pptx
        default: throw .unsupportedFormat(mimeType: mimeType, filename: filename)
        }
    }

    /// What the bytes are. A ZIP that cannot be opened is `damaged` when a docx/pptx was declared.
    private static func sniff(_ bytes: Data, declared: DocumentFormat?,
                              limits: ExtractionLimits) throws(DocumentError) -> DetectedContent {
        if bytes.prefix(1024).range(of: Data("%PDF-".utf8)) != nil { return .pdf }
        if bytes.starts(with: [0x50, 0x4B, 0x03, 0x04]) || bytes.starts(with: [0x50, 0x4B, 0x05, 0x06]) {
            do throws(DocumentError) {
                var package = try ZipPackage(bytes, format: declared ?? .docx, limits: limits)
                return try package.officeKind()
            } catch {
                if declared == .docx || declared == .pptx { throw error }
                return .otherZip
            }
        }
        return UTF8Validation.firstInvalidOffset(bytes) == nil ? .text : .binary
    }
}

/// UTF-8 checks for text formats (NUL counts as invalid: a UTF-16 file is full of them).
enum UTF8Validation {
    /// The offset of the first byte that is not part of a valid UTF-8 sequence, or is NUL; nil when valid.
    static func firstInvalidOffset(_ bytes: Data) -> Int? {
        bytes.withUnsafeBytes { raw -> Int? in
            let count = raw.count
            var i = 0
            while i < count {
                let lead = raw[i]
                if lead != 0 && lead < 0x80 { i += 1; continue }
                let length: Int
                var low: UInt8 = 0x80, high: UInt8 = 0xBF  // bounds of the second byte
                switch lead {
                case 0xC2...0xDF: length = 2
                case 0xE0: length = 3; low = 0xA0
                case 0xE1...0xEC, 0xEE...0xEF: length = 3
                case 0xED: length = 3; high = 0x9F
                case 0xF0: length = 4; low = 0x90
                case 0xF1...0xF3: length = 4
                case 0xF4: length = 4; high = 0x8F
                default: return i
                }
                guard i + length <= count else { return i }
                guard (low...high).contains(raw[i + 1]) else { return i }
                for k in 2..<max(length, 2) where !(0x80...0xBF).contains(raw[i + k]) { return i }
                i += length
            }
            return nil
        }
    }

    /// The text of bytes already known to be valid UTF-8, without a leading byte-order mark.
    static func decode(_ bytes: Data) -> String {
        let body = bytes.starts(with: [0xEF, 0xBB, 0xBF]) ? bytes.dropFirst(3) : bytes[...]
        return String(decoding: body, as: UTF8.self)
    }
}
