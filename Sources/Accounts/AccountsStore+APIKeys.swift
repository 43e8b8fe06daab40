import Crypto
import Foundation
import JSON
import Storage

/// Organisation API keys, as the platform's `admin.createOrganization` issues them: `mcai_` and 64 hex digits,
/// shown once. Only the key's SHA-256 and its first 13 characters (the prefix shown in listings) are kept; the
/// platform used bcrypt, which adds nothing for a 256-bit random secret that is never guessed from a list.
///
/// Layout: `accounts.api-keys` maps organisation id (16 bytes) + key id (16 bytes) to the record (JSON:
/// `id, prefix, sha256, name, createdBy, createdAt, revokedAt?`); the counter `activeAPIKeys(in:)` counts
/// the unrevoked ones.
extension AccountsStore {
    /// The contract's `admin.createOrganization`: the organisation and its `Default API Key`, in one commit.
    /// Returns the organisation and the key's secret (the only time it is available).
    public func createOrganizationWithAPIKey(name: String, tier: Tier, createdBy: UUID?) throws -> (Organization, String) {
        try environment.write { txn in try createOrganizationWithAPIKey(name: name, tier: tier, createdBy: createdBy, in: txn) }
    }

    package func createOrganizationWithAPIKey(name: String, tier: Tier, createdBy: UUID?, in txn: WriteTransaction) throws -> (Organization, String) {
        let organization = try createOrganization(name: name, tier: tier, in: txn)
        let secret = try createAPIKey(organizationID: organization.id, name: "Default API Key", createdBy: createdBy, in: txn)
        return (organization, secret)
    }

    /// Issues a key for `organizationID`; returns its secret.
    package func createAPIKey(organizationID: UUID, name: String, createdBy: UUID?, in txn: WriteTransaction) throws -> String {
        var random = SystemRandomNumberGenerator()
        let secret = "mcai_" + (0..<32).map { _ in String(format: "%02x", UInt8.random(in: 0...255, using: &random)) }.joined()
        let id = UUID()
        var fields: [String: JSONValue] = [
            "id": .string(id.lowercasedString), "prefix": .string(String(secret.prefix(13))),
            "sha256": .string(SHA256.hash(data: Data(secret.utf8)).map { String(format: "%02x", $0) }.joined()),
            "name": .string(name), "createdAt": .int(timestamp().millisecondsSince1970),
        ]
        fields["createdBy"] = createdBy.map { .string($0.lowercasedString) }
        try apiKeys.put(JSONText.serialize(.object(fields)), for: Keys.id(organizationID) + Keys.id(id), in: txn)
        try bump(Counter.activeAPIKeys(in: organizationID), by: 1, in: txn)
        return secret
    }

    /// Unrevoked API keys of an organisation (`admin.getOrganization`'s `activeApiKeyCount`).
    public func activeAPIKeyCount(organizationID: UUID) throws -> Int {
        try environment.read { txn in try count(Counter.activeAPIKeys(in: organizationID), in: txn) }
    }
}
