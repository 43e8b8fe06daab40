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
/// | `jobs.meta` | `sequence` | UInt64, how many sequence numbers were issued |
///
/// `jobs.counts` and the sequence are transaction counters (`WriteTransaction.add(_:toCounter:in:)`):
/// summed in memory and written once per commit.
///
/// A class: every state change passes the tables along (inside `JobIndexing` and `JobTransitions`), and as
/// a struct each copy retained the twelve handles' names and environment (~7 % of `bench jobs` in refcounting).
final class JobTables: Sendable {
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

/// Key encodings of `JobTables`, each built in one buffer (keys are made for every state change).
enum JobKeys {
    /// Appends key parts to one preallocated buffer.
    struct Builder {
        private(set) var bytes: [UInt8]

        init(capacity: Int) {
            bytes = []
            bytes.reserveCapacity(capacity)
        }

        /// A length-prefixed string (every such string is at most 100 bytes).
        mutating func string(_ s: String) {
            var s = s
            s.withUTF8 { utf8 in
                bytes.append(UInt8(truncatingIfNeeded: utf8.count))
                bytes.append(contentsOf: utf8)
            }
        }

        /// A string's bytes as they are (only as a key's last part).
        mutating func tail(_ s: String) {
            var s = s
            s.withUTF8 { bytes.append(contentsOf: $0) }
        }

        mutating func byte(_ b: UInt8) { bytes.append(b) }

        mutating func uint64(_ value: UInt64) {
            withUnsafeBytes(of: value.bigEndian) { bytes.append(contentsOf: $0) }
        }

        /// Signed milliseconds in byte order = numeric order.
        mutating func time(_ ms: Int64) { uint64(UInt64(bitPattern: ms) ^ (1 << 63)) }

        /// Signed milliseconds in byte order = newest first.
        mutating func invertedTime(_ ms: Int64) { uint64(~(UInt64(bitPattern: ms) ^ (1 << 63))) }
    }

    private static func build(_ capacity: Int, _ body: (inout Builder) -> Void) -> [UInt8] {
        var builder = Builder(capacity: capacity)
        body(&builder)
        return builder.bytes
    }

    static func string(_ s: String) -> [UInt8] { build(s.utf8.count + 1) { $0.string(s) } }

    static func readyPrefix(queue: String) -> [UInt8] { string(queue) }

    static func ready(queue: String, priority: Int, sequence: UInt64) -> [UInt8] {
        build(queue.utf8.count + 17) { k in
            k.string(queue)
            // Higher priority first: the complement of the order-preserving encoding.
            k.uint64(~(UInt64(bitPattern: Int64(priority)) ^ (1 << 63)))
            k.uint64(sequence)
        }
    }

    static func delayed(due: Int64, sequence: UInt64) -> [UInt8] {
        build(16) { k in
            k.time(due)
            k.uint64(sequence)
        }
    }

    static func active(expiresAt: Int64, sequence: UInt64) -> [UInt8] { delayed(due: expiresAt, sequence: sequence) }

    /// The time at the front of a `delayed` or `active` key.
    static func leadingTime(_ key: [UInt8]) -> Int64? {
        guard key.count >= 8 else { return nil }
        var raw: UInt64 = 0
        for byte in key.prefix(8) { raw = raw << 8 | UInt64(byte) }
        return Int64(bitPattern: raw ^ (1 << 63))
    }

    static func finishedPrefix(queue: String, state: JobState) -> [UInt8] {
        build(queue.utf8.count + 2) { k in
            k.string(queue)
            k.byte(state.code)
        }
    }

    static func finished(queue: String, state: JobState, at time: Int64, sequence: UInt64) -> [UInt8] {
        build(queue.utf8.count + 18) { k in
            k.string(queue)
            k.byte(state.code)
            k.time(time)
            k.uint64(sequence)
        }
    }

    /// The finish time inside a `finished` key of a known prefix length.
    static func finishedTime(_ key: [UInt8], prefixLength: Int) -> Int64? {
        guard key.count >= prefixLength + 8 else { return nil }
        var raw: UInt64 = 0
        for byte in key[prefixLength..<(prefixLength + 8)] { raw = raw << 8 | UInt64(byte) }
        return Int64(bitPattern: raw ^ (1 << 63))
    }

    static func orgPrefix(_ org: String) -> [UInt8] { string(org) }

    static func orgStatePrefix(_ org: String, _ state: JobState) -> [UInt8] {
        build(org.utf8.count + 2) { k in
            k.string(org)
            k.byte(state.code)
        }
    }

    static func userPrefix(_ org: String, _ user: String) -> [UInt8] {
        build(org.utf8.count + user.utf8.count + 2) { k in
            k.string(org)
            k.string(user)
        }
    }

    static func userStatePrefix(_ org: String, _ user: String, _ state: JobState) -> [UInt8] {
        build(org.utf8.count + user.utf8.count + 3) { k in
            k.string(org)
            k.string(user)
            k.byte(state.code)
        }
    }

    /// A listing entry: organisation [· user] [· state] · ¬created · id.
    static func listing(org: String, user: String? = nil, state: JobState? = nil, createdAt: Int64, id: String) -> [UInt8] {
        build(org.utf8.count + (user?.utf8.count ?? 0) + id.utf8.count + 11) { k in
            k.string(org)
            if let user { k.string(user) }
            if let state { k.byte(state.code) }
            k.invertedTime(createdAt)
            k.tail(id)
        }
    }

    static func queueCount(_ queue: String, _ state: JobState) -> [UInt8] {
        build(queue.utf8.count + 3) { k in
            k.byte(UInt8(ascii: "q"))
            k.string(queue)
            k.byte(state.code)
        }
    }

    static func orgCount(_ org: String, _ state: JobState) -> [UInt8] {
        build(org.utf8.count + 3) { k in
            k.byte(UInt8(ascii: "o"))
            k.string(org)
            k.byte(state.code)
        }
    }

    static func userCount(_ org: String, _ user: String, _ state: JobState) -> [UInt8] {
        build(org.utf8.count + user.utf8.count + 4) { k in
            k.byte(UInt8(ascii: "u"))
            k.string(org)
            k.string(user)
            k.byte(state.code)
        }
    }

    static func slotPrefix(_ key: String) -> [UInt8] { string(key) }

    static func slot(_ key: String, id: String) -> [UInt8] {
        build(key.utf8.count + id.utf8.count + 1) { k in
            k.string(key)
            k.tail(id)
        }
    }

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
