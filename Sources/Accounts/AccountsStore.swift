import Foundation
import Storage

/// Organisations, users and courses in the data directory's LMDB environment, with the indexes and counters
/// that let every list and statistic run without scanning a table.
///
/// Invariants:
/// - Every record change, its index entries and its counters are written in one LMDB transaction, so an index
///   never names a missing record and a counter always equals what a scan would count.
/// - Index keys are byte strings ordered as the lists want them: UUIDs as their 16 bytes, creation times as
///   8 big-endian bytes of the *inverted* millisecond count (so cursor order is newest first), then the record id
///   to break ties. `Keys` builds them.
/// - Course reads and writes take a `TenantScope`: a course outside it answers `notFound("Course not found")`,
///   byte for byte what a missing id answers, and nothing is written.
/// - Tables are opened in `init`; every operation is one synchronous `read` or `write` (never across an
///   `await`). The `package` variants taking a `WriteTransaction` let another room commit its own records in
///   the same transaction; like every write closure they may run again when the map grows, so they have no
///   effects outside the transaction.
/// - Safe to use from many threads and beside other processes on the same directory (LMDB serialises writers
///   across processes, and a reader sees every commit made before its transaction began).
public final class AccountsStore: Sendable {
    public let environment: Environment
    /// The store's time source (whole milliseconds are kept); tests inject one.
    let now: @Sendable () -> Date

    let organizations: Table<[UInt8], [UInt8]>
    let organizationsByName: Table<String, [UInt8]>
    let organizationsByCreated: Table<[UInt8], [UInt8]>
    let users: Table<[UInt8], [UInt8]>
    let usersByEmail: Table<String, [UInt8]>
    let usersByCreated: Table<[UInt8], [UInt8]>
    let usersByRole: Table<[UInt8], [UInt8]>
    let usersByOrganization: Table<[UInt8], [UInt8]>
    let usersByOrganizationRole: Table<[UInt8], [UInt8]>
    let courses: Table<[UInt8], [UInt8]>
    let coursesByCreated: Table<[UInt8], [UInt8]>
    let coursesByStatus: Table<[UInt8], [UInt8]>
    let coursesByOrganization: Table<[UInt8], [UInt8]>
    let coursesByOrganizationStatus: Table<[UInt8], [UInt8]>
    let courseSlugs: Table<[UInt8], [UInt8]>
    let counters: Table<String, Int64>
    /// API keys by organisation id + key id (see `AccountsStore+APIKeys`).
    let apiKeys: Table<[UInt8], [UInt8]>
    /// Decoded records by id and stored bytes: every authenticated call reads its user and organisation, and a
    /// course list reads up to 100 courses, so parsing was most of a `courses.list`'s CPU.
    let organizationCache = DecodedRecordCache<UUID, Organization>(capacity: 4_096)
    let userCache = DecodedRecordCache<UUID, User>(capacity: 16_384)
    let courseCache = DecodedRecordCache<UUID, Course>(capacity: 16_384)

    /// Opens (creating when missing) the Accounts tables of `environment`.
    public init(environment: Environment, now: @escaping @Sendable () -> Date = { Date() }) throws {
        self.environment = environment
        self.now = now
        organizations = try environment.table("accounts.organizations")
        organizationsByName = try environment.table("accounts.organizations.by-name")
        organizationsByCreated = try environment.table("accounts.organizations.by-created")
        users = try environment.table("accounts.users")
        usersByEmail = try environment.table("accounts.users.by-email")
        usersByCreated = try environment.table("accounts.users.by-created")
        usersByRole = try environment.table("accounts.users.by-role")
        usersByOrganization = try environment.table("accounts.users.by-organization")
        usersByOrganizationRole = try environment.table("accounts.users.by-organization-role")
        courses = try environment.table("accounts.courses")
        coursesByCreated = try environment.table("accounts.courses.by-created")
        coursesByStatus = try environment.table("accounts.courses.by-status")
        coursesByOrganization = try environment.table("accounts.courses.by-organization")
        coursesByOrganizationStatus = try environment.table("accounts.courses.by-organization-status")
        courseSlugs = try environment.table("accounts.courses.slugs")
        counters = try environment.table("accounts.counters")
        apiKeys = try environment.table("accounts.api-keys")
    }

    /// The current time as a record stores it (whole milliseconds).
    func timestamp() -> Date { now().wholeMilliseconds }

    // MARK: Records

    /// The record under `id`, read in place from the map (or found in `cache` decoded from the same bytes), or nil.
    func record<Record: StoredRecord & Sendable>(_ table: Table<[UInt8], [UInt8]>, _ cache: DecodedRecordCache<UUID, Record>, _ id: UUID,
                                                 in txn: ReadTransaction) throws -> Record? {
        try table.withStoredBytes(Keys.id(id), in: txn) { bytes in
            if let cached = cache.record(id, storedAs: bytes) { return cached }
            let record = try Record(storedBytes: bytes)
            cache.store(record, storedAs: Array(bytes), for: id)
            return record
        }
    }

    func put(_ record: some StoredRecord, _ table: Table<[UInt8], [UInt8]>, _ id: UUID, in txn: WriteTransaction) throws {
        try table.put(record.storedBytes, for: Keys.id(id), in: txn)
    }

    // MARK: Counters

    /// Adds `delta` to the named counter (never below 0).
    func bump(_ name: String, by delta: Int64, in txn: WriteTransaction) throws {
        let value = max(0, (try counters.get(name, in: txn) ?? 0) &+ delta)
        if value == 0 {
            try counters.delete(name, in: txn)
        } else {
            try counters.put(value, for: name, in: txn)
        }
    }

    func count(_ name: String, in txn: ReadTransaction) throws -> Int {
        Int(try counters.get(name, in: txn) ?? 0)
    }
}

/// The counter names; per-organisation ones carry the organisation's id.
enum Counter {
    static let organizations = "organizations"
    static func organizations(_ tier: Tier) -> String { "organizations.tier.\(tier.rawValue)" }
    static let users = "users"
    static func users(_ role: Role) -> String { "users.role.\(role.rawValue)" }
    static func users(in organization: UUID) -> String { "org.\(organization.uuidString).users" }
    static func users(in organization: UUID, _ role: Role) -> String { "org.\(organization.uuidString).users.role.\(role.rawValue)" }
    static let courses = "courses"
    static func courses(_ status: CourseStatus) -> String { "courses.status.\(status.rawValue)" }
    static func courses(in organization: UUID) -> String { "org.\(organization.uuidString).courses" }
    static func courses(in organization: UUID, _ status: CourseStatus) -> String { "org.\(organization.uuidString).courses.status.\(status.rawValue)" }
    static func activeAPIKeys(in organization: UUID) -> String { "org.\(organization.uuidString).api-keys.active" }
}
