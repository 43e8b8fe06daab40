import Foundation
import JSON

/// An organisation (a tenant): its plan, its storage quota and what it uses of it.
///
/// Invariants (kept by `AccountsStore`): `name` is unique case-insensitively; `0 ≤ storageUsedBytes ≤
/// storageQuotaBytes`; `storageQuotaBytes == tier.storageQuotaBytes` after every tier change; dates are whole
/// milliseconds and `updatedAt ≥ createdAt`.
public struct Organization: Sendable, Equatable, Codable {
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
            ("id", .string(id.uuidString.lowercased())),
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

    private enum CodingKeys: String, CodingKey {
        case id, name, slug, tier, storageQuotaBytes, storageUsedBytes, createdAt, updatedAt
    }

    /// Decodes defensively: an unknown or missing tier is `free`, a missing quota is the tier's, missing usage 0,
    /// a missing slug empty, a missing `updatedAt` the creation time.
    public init(from decoder: any Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        id = try c.decode(UUID.self, forKey: .id)
        name = try c.decode(String.self, forKey: .name)
        slug = try c.decodeIfPresent(String.self, forKey: .slug) ?? ""
        tier = Tier(storedValue: try? c.decodeIfPresent(String.self, forKey: .tier))
        storageQuotaBytes = try c.decodeIfPresent(Int64.self, forKey: .storageQuotaBytes) ?? tier.storageQuotaBytes
        storageUsedBytes = max(0, try c.decodeIfPresent(Int64.self, forKey: .storageUsedBytes) ?? 0)
        createdAt = Date(millisecondsSince1970: try c.decode(Int64.self, forKey: .createdAt))
        updatedAt = try c.decodeIfPresent(Int64.self, forKey: .updatedAt).map(Date.init(millisecondsSince1970:)) ?? createdAt
    }

    public func encode(to encoder: any Encoder) throws {
        var c = encoder.container(keyedBy: CodingKeys.self)
        try c.encode(id, forKey: .id)
        try c.encode(name, forKey: .name)
        try c.encode(slug, forKey: .slug)
        try c.encode(tier.rawValue, forKey: .tier)
        try c.encode(storageQuotaBytes, forKey: .storageQuotaBytes)
        try c.encode(storageUsedBytes, forKey: .storageUsedBytes)
        try c.encode(createdAt.millisecondsSince1970, forKey: .createdAt)
        try c.encode(updatedAt.millisecondsSince1970, forKey: .updatedAt)
    }
}
