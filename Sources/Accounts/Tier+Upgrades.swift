import Foundation

/// Which plan to suggest, and the upload checks of `generation.uploadFile` (§5.2) that suggest it.
///
/// The rule (fixing §13.4, where the platform walked the declaration order and told a Basic organisation to
/// "upgrade" to Trial, and a Trial one to Free): a suggestion is always a **paid plan** (basic, standard,
/// premium — never trial, an expiring evaluation, nor free) that is **at least as generous as the current tier
/// in every limit** (storage quota, files per course, file size, MIME types, concurrent jobs), taken in price
/// order. So Free → Basic, Trial → Standard (Basic would shrink a trial's 1 GB to 100 MB), Basic → Standard,
/// Standard → Premium, Premium → none. A suggestion for a specific need is the first such plan that meets it.
extension Tier {
    /// The plans a customer on this tier may be told to move to, cheapest first.
    public var upgradeCandidates: [Tier] {
        [Tier.basic, .standard, .premium].filter { $0 != self && $0.isAtLeastAsGenerous(as: self) }
    }

    /// The next plan up (`billing.getQuota`'s `nextTier`), or nil at the top.
    public var nextTier: Tier? { upgradeCandidates.first }

    /// `billing.getQuota`'s `upgradePrompt`: `Upgrade to Standard for 1.00 GB storage and 3 files per course`.
    public var upgradePrompt: String? {
        nextTier.map { "Upgrade to \($0.displayName) for \(ByteFormat.billing($0.storageQuotaBytes)) storage and \(Self.files($0.filesPerCourse)) per course" }
    }

    /// `billing.getQuota`'s `fileCountLimitDisplay`: `No file uploads allowed`, `1 file per course`, `3 files per course`.
    public var fileCountDisplay: String {
        filesPerCourse == 0 ? "No file uploads allowed" : "\(Self.files(filesPerCourse)) per course"
    }

    /// Refuses an upload this tier does not allow, with the contract's message, checking as the platform does in
    /// this order: the count of files already in the course, the declared MIME type, the size. Any check on the
    /// free tier gives the free tier's message.
    ///
    /// The MIME type is compared case-insensitively and without parameters (`Text/Plain; charset=utf-8` is
    /// `text/plain`); the platform compared the raw string. The size limit is the tier's declared one
    /// (the platform enforced only 100 MB: §13.1).
    public func checkUpload(filesInCourse: Int, mimeType: String, fileSize: Int64) throws(AccountsError) {
        if let refusal = uploadRefusal(filesInCourse: filesInCourse, mimeType: mimeType, fileSize: fileSize) {
            throw .badRequest(refusal.message)
        }
    }

    /// The tier limit an upload breaks (for metrics), beside the message `checkUpload` throws.
    public enum UploadLimit: String, Sendable, CaseIterable {
        case noUploads = "tier_no_uploads", filesPerCourse = "file_count", fileType = "file_type", fileSize = "file_size"
    }

    /// What `checkUpload` refuses, with the limit broken; nil when the upload is allowed.
    public func uploadRefusal(filesInCourse: Int, mimeType: String, fileSize: Int64) -> (limit: UploadLimit, message: String)? {
        if self == .free {
            let upgrade = nextTier.map { " Upgrade to \($0.displayName) to unlock this feature." } ?? ""
            return (.noUploads, "Your Free tier plan does not support file uploads.\(upgrade)")
        }
        if filesInCourse >= filesPerCourse {
            let better = upgradeCandidates.first { $0.filesPerCourse > filesPerCourse }
            let upgrade = better.map { " Upgrade to \($0.displayName) to upload more files (up to \($0.filesPerCourse) per course)." } ?? ""
            return (.filesPerCourse, "File upload limit reached. Your \(displayName) plan allows \(Self.files(filesPerCourse)) per course.\(upgrade)")
        }
        let type = Self.normalizedMIMEType(mimeType)
        if !allowedMIMETypes.contains(type) {
            let better = upgradeCandidates.first { $0.allowedMIMETypes.contains(type) }
            let upgrade = better.map { " Upgrade to \($0.displayName) to upload this file type." }
                ?? " This file type is not supported on any tier."
            let allowed = displayExtensions.map { $0.uppercased() }.joined(separator: ", ")
            return (.fileType, "File type not supported. Your \(displayName) plan allows: \(allowed).\(upgrade)")
        }
        if fileSize > maxFileSizeBytes {
            let better = upgradeCandidates.first { $0.maxFileSizeBytes >= fileSize }
            let upgrade = better.map { " Upgrade to \($0.displayName) to upload files up to \($0.maxFileSizeBytes / Self.mebibyteCount) MB." } ?? ""
            return (.fileSize, "File is too large. Your \(displayName) plan allows files up to \(maxFileSizeBytes / Self.mebibyteCount) MB (your file: \(Self.megabytes(fileSize)) MB).\(upgrade)")
        }
        return nil
    }

    /// `text/plain` for `Text/Plain; charset=utf-8`.
    public static func normalizedMIMEType(_ mimeType: String) -> String {
        let essence = mimeType.split(separator: ";", maxSplits: 1, omittingEmptySubsequences: false).first ?? ""
        return essence.trimmingCharacters(in: .whitespaces).lowercased()
    }

    private static let mebibyteCount: Int64 = 1 << 20

    private func isAtLeastAsGenerous(as other: Tier) -> Bool {
        storageQuotaBytes >= other.storageQuotaBytes
            && filesPerCourse >= other.filesPerCourse
            && maxFileSizeBytes >= other.maxFileSizeBytes
            && concurrentGenerationJobs >= other.concurrentGenerationJobs
            && Set(allowedMIMETypes).isSuperset(of: other.allowedMIMETypes)
    }

    /// `1 file`, `3 files`.
    private static func files(_ count: Int) -> String { count == 1 ? "1 file" : "\(count) files" }

    /// A size in MB with two decimals, rounded half up (`12.00`).
    private static func megabytes(_ bytes: Int64) -> String {
        let magnitude = bytes.magnitude  // split so that no product can overflow, whatever size a client declares
        let whole = magnitude >> 20, remainder = magnitude & ((1 << 20) - 1)
        let hundredths = whole * 100 + ((remainder * 100 + (1 << 19)) >> 20)
        let fraction = hundredths % 100
        return "\(bytes < 0 ? "-" : "")\(hundredths / 100).\(fraction < 10 ? "0" : "")\(fraction)"
    }
}
