/// An organisation's plan, with every number of the contract's §4.1.
///
/// | | trial | free | basic | standard | premium |
/// |---|---|---|---|---|---|
/// | `storageQuotaBytes` | 1 GB | 10 MB | 100 MB | 1 GB | 10 GB |
/// | `filesPerCourse` | 3 | 0 | 1 | 3 | 10 |
/// | `maxFileSizeBytes` (declared by the platform, enforced here: §13.1) | 10 MB | 5 MB | 10 MB | 10 MB | 100 MB |
/// | `allowedMIMETypes` | documents | none | text, markdown | documents | documents + 5 image types |
/// | `concurrentGenerationJobs` per user | 5 | 1 | 2 | 5 | 10 |
/// | `generationPriority` | 1 | 1 | 3 | 5 | 10 |
/// | `monthlyPriceCents` | 0 | 0 | 1900 | 4900 | 14900 |
///
/// `generationPriority` is **higher-first**: a premium job (10) runs before a free one (1). These are the
/// platform's `TIER_PRIORITY` numbers, which it handed to BullMQ where *lower* runs first (§13.10); a queue
/// that orders lower-first must use `maxGenerationPriority + 1 - generationPriority`.
///
/// A null or unknown stored tier is read as `free`, as the platform does everywhere.
public enum Tier: String, CaseIterable, Sendable {
    case trial, free, basic, standard, premium

    private static let mebibyte: Int64 = 1 << 20

    /// The organisation's storage quota in bytes; a tier change sets the organisation's quota to this.
    public var storageQuotaBytes: Int64 {
        switch self {
        case .trial: 1_073_741_824
        case .free: 10_485_760
        case .basic: 104_857_600
        case .standard: 1_073_741_824
        case .premium: 10_737_418_240
        }
    }

    /// How many files one course may hold (0: uploads are refused).
    public var filesPerCourse: Int {
        switch self {
        case .trial: 3
        case .free: 0
        case .basic: 1
        case .standard: 3
        case .premium: 10
        }
    }

    /// The largest single file in bytes.
    public var maxFileSizeBytes: Int64 {
        switch self {
        case .trial, .basic, .standard: 10 * Self.mebibyte
        case .free: 5 * Self.mebibyte
        case .premium: 100 * Self.mebibyte
        }
    }

    /// The MIME types an upload may declare, in the contract's order.
    public var allowedMIMETypes: [String] {
        switch self {
        case .free: []
        case .basic: ["text/plain", "text/markdown"]
        case .trial, .standard: Self.documentTypes
        case .premium: Self.documentTypes + ["image/png", "image/jpeg", "image/gif", "image/svg+xml", "image/webp"]
        }
    }

    /// The extensions shown to users for `allowedMIMETypes` (display only), lower case.
    public var displayExtensions: [String] {
        switch self {
        case .free: []
        case .basic: ["txt", "md"]
        case .trial, .standard: Self.documentExtensions
        case .premium: Self.documentExtensions + ["png", "jpg", "jpeg", "gif", "svg", "webp"]
        }
    }

    /// Course generations one user may run at once.
    public var concurrentGenerationJobs: Int {
        switch self {
        case .trial, .standard: 5
        case .free: 1
        case .basic: 2
        case .premium: 10
        }
    }

    /// Queue priority of this tier's generation jobs, higher first (see the type's documentation).
    public var generationPriority: Int {
        switch self {
        case .trial, .free: 1
        case .basic: 3
        case .standard: 5
        case .premium: 10
        }
    }

    /// The largest `generationPriority` of any tier.
    public static let maxGenerationPriority = 10

    /// The monthly price in US cents.
    public var monthlyPriceCents: Int {
        switch self {
        case .trial, .free: 0
        case .basic: 1900
        case .standard: 4900
        case .premium: 14900
        }
    }

    /// `Trial`, `Free`, `Basic`, `Standard`, `Premium`.
    public var displayName: String { rawValue.prefix(1).uppercased() + rawValue.dropFirst() }

    /// The stored tier string read as the platform does: null or unknown values are `free`.
    public init(storedValue: String?) {
        self = storedValue.flatMap(Tier.init(rawValue:)) ?? .free
    }

    private static let documentTypes = [
        "application/pdf",
        "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
        "application/vnd.openxmlformats-officedocument.presentationml.presentation",
        "text/html", "text/plain", "text/markdown",
    ]
    private static let documentExtensions = ["pdf", "docx", "pptx", "html", "txt", "md"]
}
