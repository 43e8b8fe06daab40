import Foundation
import JSON

/// An organisation (a tenant): its plan, its storage quota and what it uses of it.
///
/// Invariants (kept by `AccountsStore`): `name` is unique case-insensitively; `0 ≤ storageUsedBytes ≤
/// storageQuotaBytes`; `storageQuotaBytes == tier.storageQuotaBytes` after every tier change; dates are whole
/// milliseconds and `updatedAt ≥ createdAt`.
public struct Organization: Sendable, Equatable {
    public let id: UUID
    public internal(set) var name: String
    /// `acme-corp-m5x2k1` (see `Slug.organization`); not unique by itself, never changed after creation.
    public let slug: String
    public internal(set) var tier: Tier
    public internal(set) var storageQuotaBytes: Int64
    public internal(set) var storageUsedBytes: Int64
    public let createdAt: Date
    public internal(set) var updatedAt: Date

    init(id: UUID, name: String, slug: String, tier: Tier, createdAt: Date) {
        self.id = id
        self.name = name
        self.slug = slug
        self.tier = tier
        self.storageQuotaBytes = tier.storageQuotaBytes
        self.storageUsedBytes = 0
        self.createdAt = createdAt
        self.updatedAt = createdAt
    }

    /// Bytes still free under the quota.
    public var storageAvailableBytes: Int64 { max(0, storageQuotaBytes - storageUsedBytes) }

    /// The admin outputs' `storageUsedPercentage`: a rounded integer, 0 when the quota is 0.
    public var storageUsedPercentage: Int {
        storageQuotaBytes > 0 ? Int((Double(storageUsedBytes) / Double(storageQuotaBytes) * 100).rounded()) : 0
    }

    /// The contract's admin output fields, in order: `id, name, slug, tier, storageQuotaBytes, storageUsedBytes,
    /// createdAt, updatedAt` (dates ISO 8601 with milliseconds).
    public var wire: WireValue {
        .object([
            ("id", .string(id.lowercasedString)),
            ("name", .string(name)),
            ("slug", .string(slug)),
            ("tier", .string(tier.rawValue)),
            ("storageQuotaBytes", .json(.int(storageQuotaBytes))),
            ("storageUsedBytes", .json(.int(storageUsedBytes))),
            ("createdAt", .string(createdAt.iso8601Milliseconds)),
            ("updatedAt", .string(updatedAt.iso8601Milliseconds)),
        ])
    }

    // MARK: Stored form

    static let recordName = "Organization"

    /// Reads defensively: an unknown or missing tier is `free`, a missing quota the tier's, missing or negative
    /// usage 0, a missing slug empty, a missing `updatedAt` the creation time.
    init(stored: RecordFields) throws {
        id = try stored.uuid("id")
        name = try stored.string("name")
        slug = stored.optionalString("slug") ?? ""
        tier = Tier(storedValue: stored.optionalString("tier"))
        storageQuotaBytes = stored.optionalInt("storageQuotaBytes") ?? tier.storageQuotaBytes
        storageUsedBytes = max(0, stored.optionalInt("storageUsedBytes") ?? 0)
        createdAt = try stored.date("createdAt")
        updatedAt = stored.optionalDate("updatedAt") ?? createdAt
    }

    var stored: JSONValue {
        .object([
            "id": .uuid(id), "name": .string(name), "slug": .string(slug), "tier": .string(tier.rawValue),
            "storageQuotaBytes": .int(storageQuotaBytes), "storageUsedBytes": .int(storageUsedBytes),
            "createdAt": .milliseconds(createdAt), "updatedAt": .milliseconds(updatedAt),
        ])
    }
}

extension Organization: StoredRecord {}
