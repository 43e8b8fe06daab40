import Storage

/// The Jobs room's LMDB tables. Strings in keys are length-prefixed (one byte; every such string is
/// at most 100 bytes, `JobQueue` validates), integers big-endian, signed times with the sign bit
/// flipped, so each cursor walks in the order its use needs and nothing is ever scanned:
///
/// | table | key | value |
/// | --- | --- | --- |
/// | `jobs.records` | id | the `JobRecord` as JSON |
/// | `jobs.ready` | queue · ¬priority · sequence | id (waiting jobs, claim order: higher priority, then FIFO) |
/// | `jobs.delayed` | notBefore · sequence | id (delayed jobs by due time) |
/// | `jobs.active` | lease expiry · sequence | id (active jobs by lease expiry) |
/// | `jobs.finished` | queue · state · finished time · sequence | id (terminal jobs, oldest first, for retention) |
/// | `jobs.by_org` | organisation · ¬created · id | — (newest first) |
/// | `jobs.by_org_state` | organisation · state · ¬created · id | — |
/// | `jobs.by_user` | organisation · user · ¬created · id | — |
/// | `jobs.by_user_state` | organisation · user · state · ¬created · id | — |
/// | `jobs.counts` | `q` queue · state, `o` organisation · state, `u` organisation · user · state | UInt64 |
/// | `jobs.slots` | slot key · id | — (the jobs holding a generation slot) |
/// | `jobs.meta` | `sequence` | UInt64, the next sequence number |
struct JobTables: Sendable {
    let records: Table<String, [UInt8]>
    let ready: Table<[UInt8], String>
    let delayed: Table<[UInt8], String>
    let active: Table<[UInt8], String>
    let finished: Table<[UInt8], String>
    let byOrg: Table<[UInt8], [UInt8]>
    let byOrgState: Table<[UInt8], [UInt8]>
    let byUser: Table<[UInt8], [UInt8]>
    let byUserState: Table<[UInt8], [UInt8]>
    let counts: Table<[UInt8], UInt64>
    let slots: Table<[UInt8], [UInt8]>
    let meta: Table<String, UInt64>

    init(environment: Environment) throws {
        records = try environment.table("jobs.records")
        ready = try environment.table("jobs.ready")
        delayed = try environment.table("jobs.delayed")
        active = try environment.table("jobs.active")
        finished = try environment.table("jobs.finished")
        byOrg = try environment.table("jobs.by_org")
        byOrgState = try environment.table("jobs.by_org_state")
        byUser = try environment.table("jobs.by_user")
        byUserState = try environment.table("jobs.by_user_state")
        counts = try environment.table("jobs.counts")
        slots = try environment.table("jobs.slots")
        meta = try environment.table("jobs.meta")
    }
}

/// Key encodings of `JobTables`.
enum JobKeys {
    static func string(_ s: String) -> [UInt8] {
        let bytes = Array(s.utf8)
        return [UInt8(truncatingIfNeeded: bytes.count)] + bytes
    }

    static func uint64(_ value: UInt64) -> [UInt8] {
        withUnsafeBytes(of: value.bigEndian) { Array($0) }
    }

    /// Signed milliseconds in byte order = numeric order.
    static func time(_ ms: Int64) -> [UInt8] { uint64(UInt64(bitPattern: ms) ^ (1 << 63)) }

    /// Signed milliseconds in byte order = newest first.
    static func invertedTime(_ ms: Int64) -> [UInt8] { uint64(~(UInt64(bitPattern: ms) ^ (1 << 63))) }

    static func readyPrefix(queue: String) -> [UInt8] { string(queue) }

    static func ready(queue: String, priority: Int, sequence: UInt64) -> [UInt8] {
        // Higher priority first: the complement of the order-preserving encoding.
        string(queue) + uint64(~(UInt64(bitPattern: Int64(priority)) ^ (1 << 63))) + uint64(sequence)
    }

    static func delayed(due: Int64, sequence: UInt64) -> [UInt8] { time(due) + uint64(sequence) }

    static func active(expiresAt: Int64, sequence: UInt64) -> [UInt8] { time(expiresAt) + uint64(sequence) }

    /// The time at the front of a `delayed` or `active` key.
    static func leadingTime(_ key: [UInt8]) -> Int64? {
        guard key.count >= 8 else { return nil }
        var raw: UInt64 = 0
        for byte in key.prefix(8) { raw = raw << 8 | UInt64(byte) }
        return Int64(bitPattern: raw ^ (1 << 63))
    }

    static func finishedPrefix(queue: String, state: JobState) -> [UInt8] { string(queue) + [state.code] }

    static func finished(queue: String, state: JobState, at time: Int64, sequence: UInt64) -> [UInt8] {
        finishedPrefix(queue: queue, state: state) + JobKeys.time(time) + uint64(sequence)
    }

    /// The finish time inside a `finished` key of a known prefix length.
    static func finishedTime(_ key: [UInt8], prefixLength: Int) -> Int64? {
        guard key.count >= prefixLength + 8 else { return nil }
        var raw: UInt64 = 0
        for byte in key[prefixLength..<(prefixLength + 8)] { raw = raw << 8 | UInt64(byte) }
        return Int64(bitPattern: raw ^ (1 << 63))
    }

    /// The list order suffix shared by the four listing indexes: ¬created · id.
    static func listSuffix(createdAt: Int64, id: String) -> [UInt8] { invertedTime(createdAt) + Array(id.utf8) }

    static func orgPrefix(_ org: String) -> [UInt8] { string(org) }
    static func orgStatePrefix(_ org: String, _ state: JobState) -> [UInt8] { string(org) + [state.code] }
    static func userPrefix(_ org: String, _ user: String) -> [UInt8] { string(org) + string(user) }
    static func userStatePrefix(_ org: String, _ user: String, _ state: JobState) -> [UInt8] { string(org) + string(user) + [state.code] }

    static func queueCount(_ queue: String, _ state: JobState) -> [UInt8] { [UInt8(ascii: "q")] + string(queue) + [state.code] }
    static func orgCount(_ org: String, _ state: JobState) -> [UInt8] { [UInt8(ascii: "o")] + string(org) + [state.code] }
    static func userCount(_ org: String, _ user: String, _ state: JobState) -> [UInt8] {
        [UInt8(ascii: "u")] + string(org) + string(user) + [state.code]
    }

    static func slotPrefix(_ key: String) -> [UInt8] { string(key) }
    static func slot(_ key: String, id: String) -> [UInt8] { string(key) + Array(id.utf8) }

    /// The smallest key greater than every key starting with `prefix` (nil: none, all bytes 0xFF).
    static func successor(of prefix: [UInt8]) -> [UInt8]? {
        var bytes = prefix
        while let last = bytes.last {
            if last < 0xFF {
                bytes[bytes.count - 1] = last + 1
                return bytes
            }
            bytes.removeLast()
        }
        return nil
    }
}
