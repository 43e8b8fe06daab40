import Foundation
import Storage

extension AccountsStore {
    /// Adds `bytes` to an organisation's usage in one LMDB write, or throws `quotaExceeded` with the contract's
    /// message (`Storage quota exceeded. Using 9.5 MB of 10 MB. Available: 512 KB. Attempted to add: 1 MB.`) and
    /// changes nothing. Concurrent reservations are serialised by LMDB's single writer (across processes too), so
    /// usage never passes the quota. `badRequest` for a negative size, `notFound` for an unknown organisation.
    /// Returns the organisation as updated.
    public func reserveStorage(organizationID: UUID, bytes: Int64) throws -> Organization {
        guard bytes >= 0 else { throw AccountsError.badRequest("A storage reservation must be 0 bytes or more.") }
        return try environment.write { txn in try chargeStorage(organizationID: organizationID, bytes: bytes, in: txn) }
    }

    /// Gives back `bytes` of an organisation's usage in one LMDB write; usage never goes below 0.
    public func releaseStorage(organizationID: UUID, bytes: Int64) throws -> Organization {
        guard bytes >= 0 else { throw AccountsError.badRequest("A storage release must be 0 bytes or more.") }
        return try environment.write { txn in try chargeStorage(organizationID: organizationID, bytes: -bytes, in: txn) }
    }

    /// Throws what `reserveStorage` would for `bytes` now, without reserving anything (an upload checks before it
    /// spends time decoding and storing the bytes; the charge itself happens in the upload's commit).
    public func checkStorage(organizationID: UUID, bytes: Int64) throws {
        guard let organization = try organization(id: organizationID) else { throw Self.organizationNotFound }
        let (sum, overflow) = organization.storageUsedBytes.addingReportingOverflow(max(0, bytes))
        guard !overflow, sum <= organization.storageQuotaBytes else { throw Self.quotaExceeded(organization, adding: bytes) }
    }

    /// The contract's message: `Storage quota exceeded. Using 9.5 MB of 10 MB. Available: 512 KB. Attempted to add: 1 MB.`
    static func quotaExceeded(_ organization: Organization, adding bytes: Int64) -> AccountsError {
        .quotaExceeded(
            "Storage quota exceeded. Using \(ByteFormat.compact(organization.storageUsedBytes)) of \(ByteFormat.compact(organization.storageQuotaBytes)). "
                + "Available: \(ByteFormat.compact(organization.storageAvailableBytes)). Attempted to add: \(ByteFormat.compact(bytes)).")
    }

    /// Changes an organisation's usage by `bytes` inside the caller's transaction (an upload's quota charge,
    /// file record and job commit together): a positive amount is checked against the quota as
    /// `reserveStorage` does, a negative one is released with usage floored at 0.
    package func chargeStorage(organizationID: UUID, bytes: Int64, in txn: WriteTransaction) throws -> Organization {
        guard var organization = try organization(id: organizationID, in: txn) else { throw Self.organizationNotFound }
        guard bytes != 0 else { return organization }
        let (sum, overflow) = organization.storageUsedBytes.addingReportingOverflow(bytes)
        if bytes > 0 {
            guard !overflow, sum <= organization.storageQuotaBytes else { throw Self.quotaExceeded(organization, adding: bytes) }
            organization.storageUsedBytes = sum
        } else {
            organization.storageUsedBytes = overflow ? 0 : max(0, sum)
        }
        organization.updatedAt = max(timestamp(), organization.createdAt)
        try put(organization, organizations, organizationID, in: txn)
        return organization
    }
}
