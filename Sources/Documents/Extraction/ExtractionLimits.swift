/// Bounds that keep hostile input from exhausting memory or time. Extraction stops with
/// `DocumentError.limitExceeded` as soon as one is passed; nothing is silently cut off.
///
/// Every key, its type and its default:
/// - `maxZipEntryBytes` (Int, default 100 MiB): uncompressed bytes read from one entry of a docx/pptx archive,
///   counted as they are inflated (a zip bomb's declared sizes are not trusted).
/// - `maxZipTotalBytes` (Int, default 200 MiB): uncompressed bytes read from all entries of one archive.
/// - `maxZipEntries` (Int, default 10,000): entries in the archive's central directory.
/// - `maxNestingDepth` (Int, default 512): element depth of an HTML tree and container depth (lists, quotes) in
///   Markdown; the walks are iterative, so the bound is about meaning and memory, not the stack. The XML parts of
///   docx/pptx meet libxml2's own cap of 256 levels first (lifting it with `XML_PARSE_HUGE` would also lift its
///   entity-expansion guards), reported as this limit with 256.
/// - `maxPages` (Int, default 5,000): PDF pages, or slides of a presentation.
/// - `maxTextBytes` (Int, default 128 MiB): UTF-8 bytes of extracted text in the whole document (above the
///   100 MB upload limit, so only text multiplied by markup or a hostile layout reaches it).
public struct ExtractionLimits: Sendable, Equatable {
    public var maxZipEntryBytes: Int = 100 << 20
    public var maxZipTotalBytes: Int = 200 << 20
    public var maxZipEntries: Int = 10_000
    public var maxNestingDepth: Int = 512
    public var maxPages: Int = 5_000
    public var maxTextBytes: Int = 128 << 20

    public init() {}

    /// Which bound a document passed.
    public enum Limit: String, Sendable, Equatable {
        case zipEntryBytes, zipTotalBytes, zipEntries, nestingDepth, pages, textBytes

        func message(limit: Int) -> String {
            switch self {
            case .zipEntryBytes:
                "A part of the document unpacks to more than \(Self.bytes(limit)) (a damaged file or a zip bomb): "
                    + "save it again from its application, or split it into smaller documents."
            case .zipTotalBytes:
                "The document unpacks to more than \(Self.bytes(limit)) in all: split it into smaller documents."
            case .zipEntries:
                "The document archive has more than \(limit) parts: save it again from its application."
            case .nestingDepth:
                "The document nests elements more than \(limit) levels deep: simplify its structure "
                    + "(or save it again from its application) and upload it again."
            case .pages:
                "The document has more than \(limit) pages: split it into smaller documents."
            case .textBytes:
                "The document holds more than \(Self.bytes(limit)) of text: split it into smaller documents."
            }
        }

        private static func bytes(_ count: Int) -> String {
            count >= 1 << 20 && count % (1 << 20) == 0 ? "\(count >> 20) MiB" : "\(count) bytes"
        }
    }
}
