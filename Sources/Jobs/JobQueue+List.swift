import Foundation
import Storage

/// One page of `JobQueue.list`.
public struct JobPage: Sendable, Equatable {
    /// Newest first (by creation time, then id).
    public var jobs: [JobRecord]
    /// Pass back to get the next page; nil on the last page.
    public var nextCursor: String?
    /// How many jobs match the filters in all (from the counts, not a scan).
    public var total: Int

    public init(jobs: [JobRecord], nextCursor: String?, total: Int) {
        self.jobs = jobs
        self.nextCursor = nextCursor
        self.total = total
    }
}

extension JobQueue {
    /// The most jobs one page returns.
    public static let maxPageSize = 100

    /// Jobs of an organisation, newest first, optionally only a user's, only some states, only
    /// cancelled (`cancelled: true`) or only not cancelled (`false`), `limit` (1…100) at a time after
    /// `cursor` (from the previous page). Reads index entries only for the page (one ordered walk per
    /// state asked for, merged), never a scan.
    public func list(organizationID: String, userID: String? = nil, states: Set<JobState>? = nil, cancelled: Bool? = nil,
                     cursor: String? = nil, limit: Int = 50) throws -> JobPage {
        guard (1...Self.maxPageSize).contains(limit) else { throw JobError.invalid("limit must be 1…\(Self.maxPageSize), got \(limit)") }
        var wanted = states ?? Set(JobState.allCases)
        switch cancelled {
        case true?: wanted = wanted.intersection([.cancelled])
        case false?: wanted.remove(.cancelled)
        case nil: break
        }
        let after = try cursor.map { try Self.decodeCursor($0) }
        let all = wanted.count == JobState.allCases.count
        // One prefix per ordered walk: the state-free index when every state is wanted.
        let prefixes: [[UInt8]]
        let source: Table<[UInt8], [UInt8]>
        if let userID {
            source = all ? transitions.tables.byUser : transitions.tables.byUserState
            prefixes = all ? [JobKeys.userPrefix(organizationID, userID)]
                : wanted.sorted { $0.code < $1.code }.map { JobKeys.userStatePrefix(organizationID, userID, $0) }
        } else {
            source = all ? transitions.tables.byOrg : transitions.tables.byOrgState
            prefixes = all ? [JobKeys.orgPrefix(organizationID)]
                : wanted.sorted { $0.code < $1.code }.map { JobKeys.orgStatePrefix(organizationID, $0) }
        }
        let indexing = transitions.indexing
        return try environment.read { txn in
            var suffixes: [[UInt8]] = []
            for prefix in prefixes {
                let start = prefix + (after ?? [])
                // One more than the page tells whether a next page exists; one more again may be the cursor's own entry.
                var entries = try source.entries(in: txn, from: start, below: JobKeys.successor(of: prefix), limit: limit + 2)
                if let after, entries.first?.key == prefix + after { entries.removeFirst() }
                suffixes += entries.prefix(limit + 1).map { Array($0.key.dropFirst(prefix.count)) }
            }
            suffixes.sort { $0.lexicographicallyPrecedes($1) }
            let page = suffixes.prefix(limit)
            var jobs: [JobRecord] = []
            for suffix in page where suffix.count > 8 {
                let id = String(decoding: suffix.dropFirst(8), as: UTF8.self)
                if let record = try? indexing.load(id, in: txn) { jobs.append(record) }
            }
            var total = 0
            for state in wanted {
                let key = userID.map { JobKeys.userCount(organizationID, $0, state) } ?? JobKeys.orgCount(organizationID, state)
                total += try indexing.count(key, in: txn)
            }
            let next = suffixes.count > limit ? page.last.map(Self.encodeCursor) : nil
            return JobPage(jobs: jobs, nextCursor: next, total: total)
        }
    }

    /// The cursor is the last listed job's ¬created · id, base64url: opaque to clients.
    static func encodeCursor(_ suffix: [UInt8]) -> String {
        Data(suffix).base64EncodedString().replacingOccurrences(of: "+", with: "-").replacingOccurrences(of: "/", with: "_")
            .replacingOccurrences(of: "=", with: "")
    }

    static func decodeCursor(_ cursor: String) throws -> [UInt8] {
        var base64 = cursor.replacingOccurrences(of: "-", with: "+").replacingOccurrences(of: "_", with: "/")
        while base64.count % 4 != 0 { base64 += "=" }
        guard cursor.utf8.count <= 400, let data = Data(base64Encoded: base64), data.count > 8 else {
            throw JobError.invalid("Invalid cursor")
        }
        return Array(data)
    }
}
