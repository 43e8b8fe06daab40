import Testing
@testable import Accounts

@Suite("Tiers: the contract's numbers, upgrade suggestions, upload checks and byte formats")
struct TierTests {
    @Test("every number of the contract's §4.1 table")
    func contractNumbers() throws {
        let mb: Int64 = 1_048_576
        let expected: [Tier: (quota: Int64, files: Int, size: Int64, jobs: Int, priority: Int, cents: Int)] = [
            .trial: (1_073_741_824, 3, 10 * mb, 5, 1, 0),
            .free: (10_485_760, 0, 5 * mb, 1, 1, 0),
            .basic: (104_857_600, 1, 10 * mb, 2, 3, 1900),
            .standard: (1_073_741_824, 3, 10 * mb, 5, 5, 4900),
            .premium: (10_737_418_240, 10, 100 * mb, 10, 10, 14900),
        ]
        for tier in Tier.allCases {
            let numbers = try #require(expected[tier])
            #expect(tier.storageQuotaBytes == numbers.quota, "\(tier)")
            #expect(tier.filesPerCourse == numbers.files, "\(tier)")
            #expect(tier.maxFileSizeBytes == numbers.size, "\(tier)")
            #expect(tier.concurrentGenerationJobs == numbers.jobs, "\(tier)")
            #expect(tier.generationPriority == numbers.priority, "\(tier)")
            #expect(tier.monthlyPriceCents == numbers.cents, "\(tier)")
            #expect(tier.generationPriority <= Tier.maxGenerationPriority)
        }
        #expect(Tier.allCases.map(\.displayName) == ["Trial", "Free", "Basic", "Standard", "Premium"])
    }

    @Test("MIME types and display extensions per tier")
    func fileTypes() {
        let documents = ["application/pdf", "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
                         "application/vnd.openxmlformats-officedocument.presentationml.presentation",
                         "text/html", "text/plain", "text/markdown"]
        let images = ["image/png", "image/jpeg", "image/gif", "image/svg+xml", "image/webp"]
        #expect(Tier.free.allowedMIMETypes.isEmpty)
        #expect(Tier.basic.allowedMIMETypes == ["text/plain", "text/markdown"])
        #expect(Tier.trial.allowedMIMETypes == documents)
        #expect(Tier.standard.allowedMIMETypes == documents)
        #expect(Tier.premium.allowedMIMETypes == documents + images)
        #expect(Tier.basic.displayExtensions == ["txt", "md"])
        #expect(Tier.standard.displayExtensions == ["pdf", "docx", "pptx", "html", "txt", "md"])
        #expect(Tier.premium.displayExtensions == ["pdf", "docx", "pptx", "html", "txt", "md", "png", "jpg", "jpeg", "gif", "svg", "webp"])
    }

    @Test("a null or unknown stored tier reads as free")
    func storedTier() {
        #expect(Tier(storedValue: nil) == .free)
        #expect(Tier(storedValue: "basic_plus") == .free)
        #expect(Tier(storedValue: "premium") == .premium)
    }

    @Test("the next tier is never lower, never Trial, never Free (§13.4)")
    func nextTier() {
        #expect(Tier.free.nextTier == .basic)
        #expect(Tier.trial.nextTier == .standard)
        #expect(Tier.basic.nextTier == .standard)
        #expect(Tier.standard.nextTier == .premium)
        #expect(Tier.premium.nextTier == nil)
        for tier in Tier.allCases {
            for candidate in tier.upgradeCandidates {
                #expect(candidate != .trial && candidate != .free)
                #expect(candidate.storageQuotaBytes >= tier.storageQuotaBytes)
                #expect(candidate.filesPerCourse >= tier.filesPerCourse)
                #expect(candidate.monthlyPriceCents > tier.monthlyPriceCents)
            }
        }
    }

    @Test("billing.getQuota's prompt and file-count display")
    func billingTexts() {
        #expect(Tier.free.upgradePrompt == "Upgrade to Basic for 100.00 MB storage and 1 file per course")
        #expect(Tier.basic.upgradePrompt == "Upgrade to Standard for 1.00 GB storage and 3 files per course")
        #expect(Tier.standard.upgradePrompt == "Upgrade to Premium for 10.00 GB storage and 10 files per course")
        #expect(Tier.premium.upgradePrompt == nil)
        #expect(Tier.free.fileCountDisplay == "No file uploads allowed")
        #expect(Tier.basic.fileCountDisplay == "1 file per course")
        #expect(Tier.premium.fileCountDisplay == "10 files per course")
    }

    @Test("upload checks in the platform's order with its messages, and fixed suggestions")
    func uploadChecks() {
        let mb: Int64 = 1_048_576
        #expect(throws: AccountsError.badRequest("Your Free tier plan does not support file uploads. Upgrade to Basic to unlock this feature.")) {
            try Tier.free.checkUpload(filesInCourse: 0, mimeType: "text/plain", fileSize: 10)
        }
        // Count first: a Basic organisation is told to upgrade to Standard (the platform said Trial).
        #expect(throws: AccountsError.badRequest("File upload limit reached. Your Basic plan allows 1 file per course. Upgrade to Standard to upload more files (up to 3 per course).")) {
            try Tier.basic.checkUpload(filesInCourse: 1, mimeType: "application/pdf", fileSize: 50 * mb)
        }
        #expect(throws: AccountsError.badRequest("File upload limit reached. Your Trial plan allows 3 files per course. Upgrade to Premium to upload more files (up to 10 per course).")) {
            try Tier.trial.checkUpload(filesInCourse: 3, mimeType: "text/plain", fileSize: 1)
        }
        #expect(throws: AccountsError.badRequest("File upload limit reached. Your Premium plan allows 10 files per course.")) {
            try Tier.premium.checkUpload(filesInCourse: 10, mimeType: "text/plain", fileSize: 1)
        }
        // Then the type: PDF on Basic suggests Standard (the platform suggested Trial).
        #expect(throws: AccountsError.badRequest("File type not supported. Your Basic plan allows: TXT, MD. Upgrade to Standard to upload this file type.")) {
            try Tier.basic.checkUpload(filesInCourse: 0, mimeType: "application/pdf", fileSize: 50 * mb)
        }
        #expect(throws: AccountsError.badRequest("File type not supported. Your Standard plan allows: PDF, DOCX, PPTX, HTML, TXT, MD. Upgrade to Premium to upload this file type.")) {
            try Tier.standard.checkUpload(filesInCourse: 0, mimeType: "image/png", fileSize: 1)
        }
        #expect(throws: AccountsError.badRequest("File type not supported. Your Premium plan allows: PDF, DOCX, PPTX, HTML, TXT, MD, PNG, JPG, JPEG, GIF, SVG, WEBP. This file type is not supported on any tier.")) {
            try Tier.premium.checkUpload(filesInCourse: 0, mimeType: "application/zip", fileSize: 1)
        }
        // Then the declared size, which the platform never enforced (§13.1).
        #expect(throws: AccountsError.badRequest("File is too large. Your Standard plan allows files up to 10 MB (your file: 12.50 MB). Upgrade to Premium to upload files up to 100 MB.")) {
            try Tier.standard.checkUpload(filesInCourse: 0, mimeType: "text/plain", fileSize: 12 * mb + mb / 2)
        }
        #expect(throws: AccountsError.badRequest("File is too large. Your Premium plan allows files up to 100 MB (your file: 8796093022208.00 MB).")) {
            try Tier.premium.checkUpload(filesInCourse: 0, mimeType: "text/plain", fileSize: .max)
        }
        // Allowed uploads pass, the MIME type compared without case or parameters.
        #expect(throws: Never.self) {
            try Tier.basic.checkUpload(filesInCourse: 0, mimeType: "Text/Markdown; charset=utf-8", fileSize: 10 * mb)
            try Tier.premium.checkUpload(filesInCourse: 9, mimeType: "image/webp", fileSize: 100 * mb)
        }
    }

    @Test("billing byte format: two decimals, B to TB, 0 B, half up on the exact value")
    func billingFormat() {
        #expect(ByteFormat.billing(0) == "0 B")
        #expect(ByteFormat.billing(1) == "1.00 B")
        #expect(ByteFormat.billing(512) == "512.00 B")
        #expect(ByteFormat.billing(1023) == "1023.00 B")
        #expect(ByteFormat.billing(1024) == "1.00 KB")
        #expect(ByteFormat.billing(1536) == "1.50 KB")
        #expect(ByteFormat.billing(1152) == "1.13 KB")  // 1.125 exactly: toFixed(2) rounds half up
        #expect(ByteFormat.billing(10_485_760) == "10.00 MB")
        #expect(ByteFormat.billing(1_073_741_823) == "1024.00 MB")  // the unit is chosen before rounding, as log does
        #expect(ByteFormat.billing(10_737_418_240) == "10.00 GB")
        #expect(ByteFormat.billing(1 << 40) == "1.00 TB")
        #expect(ByteFormat.billing(1 << 51) == "2048.00 TB")
        #expect(ByteFormat.billing(-1536) == "-1.50 KB")
    }

    @Test("quota-message byte format: at most two decimals, Bytes to TB, 0 Bytes")
    func compactFormat() {
        #expect(ByteFormat.compact(0) == "0 Bytes")
        #expect(ByteFormat.compact(512) == "512 Bytes")
        #expect(ByteFormat.compact(1536) == "1.5 KB")
        #expect(ByteFormat.compact(1_572_864) == "1.5 MB")
        #expect(ByteFormat.compact(10_485_760) == "10 MB")
        #expect(ByteFormat.compact(1_100_000) == "1.05 MB")
        #expect(ByteFormat.compact(1_053_000) == "1 MB")   // 1.00422…: the zeros go
        #expect(ByteFormat.compact(1152) == "1.13 KB")
        #expect(ByteFormat.compact(Int64.max) == "8388608 TB")
        #expect(ByteFormat.compact(Int64.min) == "-8388608 TB")
    }
}
