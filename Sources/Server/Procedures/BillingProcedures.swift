import Accounts
import Foundation
import JSON

/// `billing.*` (contract §5.6): queries for any authenticated caller, about their own organisation.
enum BillingProcedures {
    static func all(_ services: PlatformServices) -> [TRPCProcedure] {
        [
            .query("billing.getUsage", .protected) { call in
                let caller = try call.caller()
                let organization = try services.accounts.organization(id: caller.organizationID, in: caller.scope)
                let quota = organization.storageQuotaBytes, used = organization.storageUsedBytes
                let percentage = quota > 0 ? (Double(used) / Double(quota) * 100 * 100).rounded() / 100 : 0
                return .object([
                    ("storageUsedBytes", .json(.int(used))), ("storageQuotaBytes", .json(.int(quota))),
                    ("storageUsedFormatted", .string(ByteFormat.billing(used))), ("storageQuotaFormatted", .string(ByteFormat.billing(quota))),
                    ("usagePercentage", percentage == percentage.rounded() ? .int(Int(percentage)) : .double(percentage)),
                    ("fileCount", .int(try services.files.count(ofOrganization: organization.id))), ("tier", .string(organization.tier.rawValue)),
                ])
            },
            .query("billing.getQuota", .protected) { call in
                let caller = try call.caller()
                let tier = try services.accounts.organization(id: caller.organizationID, in: caller.scope).tier
                return .object([
                    ("tier", .string(tier.rawValue)), ("tierDisplayName", .string(tier.displayName)),
                    ("storageQuotaBytes", .json(.int(tier.storageQuotaBytes))), ("storageQuotaFormatted", .string(ByteFormat.billing(tier.storageQuotaBytes))),
                    ("fileCountLimit", .int(tier.filesPerCourse)), ("fileCountLimitDisplay", .string(tier.fileCountDisplay)),
                    ("canUpgrade", .bool(tier.nextTier != nil)), ("nextTier", tier.nextTier.map { .string($0.rawValue) } ?? .null),
                    ("upgradePrompt", tier.upgradePrompt.map { .string($0) } ?? .null),
                ])
            },
        ]
    }
}
