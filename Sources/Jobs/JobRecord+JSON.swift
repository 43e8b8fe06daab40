import JSON

/// The stored form of a job: one JSON object (written and read with `JSONText`), camelCase keys,
/// optional fields omitted when nil. `Codable` goes through the same mapping, so there is one format.
///
/// Decoding is defensive: a missing or mistyped field throws `JobRecord.DecodingFailure` naming the
/// field, which the queue reports as `JobError.damagedRecord`; nothing in a stored record can crash.
extension JobRecord: Codable {
    /// A stored record that is not a well-formed job.
    public struct DecodingFailure: Error, CustomStringConvertible, Equatable, Sendable {
        public let description: String
    }

    public var json: JSONValue {
        var o: [String: JSONValue] = [
            "id": .string(id), "queue": .string(queue), "type": .string(type), "payload": payload,
            "organizationId": .string(organizationID), "state": .string(state.rawValue),
            "priority": .int(Int64(priority)), "attemptsMade": .int(Int64(attemptsMade)),
            "maxAttempts": .int(Int64(maxAttempts)), "notBefore": .int(notBefore),
            "createdAt": .int(createdAt), "updatedAt": .int(updatedAt),
            "cancelRequested": .bool(cancelRequested), "progress": progress,
            "stalledCount": .int(Int64(stalledCount)),
            "retention": .object(["onComplete": retention.onComplete.json, "onFail": retention.onFail.json]),
            "seq": Self.unsigned(sequence),
        ]
        if let userID { o["userId"] = .string(userID) }
        if let courseID { o["courseId"] = .string(courseID) }
        if let backoff { o["backoff"] = backoff.json }
        if let startedAt { o["startedAt"] = .int(startedAt) }
        if let completedAt { o["completedAt"] = .int(completedAt) }
        if let failedAt { o["failedAt"] = .int(failedAt) }
        if let cancelledAt { o["cancelledAt"] = .int(cancelledAt) }
        if let cancelledBy { o["cancelledBy"] = .string(cancelledBy) }
        if let result { o["result"] = result }
        if let errorMessage { o["errorMessage"] = .string(errorMessage) }
        if let errorStack { o["errorStack"] = .string(errorStack) }
        if let lease {
            o["lease"] = .object([
                "worker": .string(lease.worker), "token": Self.unsigned(lease.token),
                "claimedAt": .int(lease.claimedAt), "expiresAt": .int(lease.expiresAt),
            ])
        }
        if let concurrencySlot { o["concurrencySlot"] = .string(concurrencySlot) }
        return .object(o)
    }

    public init(json: JSONValue) throws {
        guard case .object(let o) = json else { throw DecodingFailure(description: "a job record is not a JSON object") }
        let fields = Fields(o)
        id = try fields.string("id")
        queue = try fields.string("queue")
        type = try fields.string("type")
        payload = o["payload"] ?? .null
        organizationID = try fields.string("organizationId")
        userID = try fields.optionalString("userId")
        courseID = try fields.optionalString("courseId")
        let stateName = try fields.string("state")
        guard let state = JobState(rawValue: stateName) else { throw DecodingFailure(description: "unknown job state \(stateName.debugDescription)") }
        self.state = state
        priority = try fields.int("priority")
        attemptsMade = try fields.int("attemptsMade")
        maxAttempts = try fields.int("maxAttempts")
        backoff = try o["backoff"].map { try Backoff(json: $0) }
        notBefore = try fields.int64("notBefore")
        createdAt = try fields.int64("createdAt")
        updatedAt = try fields.int64("updatedAt")
        startedAt = try fields.optionalInt64("startedAt")
        completedAt = try fields.optionalInt64("completedAt")
        failedAt = try fields.optionalInt64("failedAt")
        cancelledAt = try fields.optionalInt64("cancelledAt")
        cancelledBy = try fields.optionalString("cancelledBy")
        guard case .bool(let cancelRequested)? = o["cancelRequested"] else { throw DecodingFailure(description: "field cancelRequested is not a boolean") }
        self.cancelRequested = cancelRequested
        progress = o["progress"] ?? .object([:])
        result = o["result"]
        errorMessage = try fields.optionalString("errorMessage")
        errorStack = try fields.optionalString("errorStack")
        stalledCount = try fields.int("stalledCount")
        if let leaseValue = o["lease"] {
            guard case .object(let l) = leaseValue else { throw DecodingFailure(description: "field lease is not an object") }
            let leaseFields = Fields(l)
            lease = Lease(
                worker: try leaseFields.string("worker"), token: try leaseFields.uint64("token"),
                claimedAt: try leaseFields.int64("claimedAt"), expiresAt: try leaseFields.int64("expiresAt")
            )
        } else {
            lease = nil
        }
        guard case .object(let r)? = o["retention"] else { throw DecodingFailure(description: "field retention is not an object") }
        retention = Retention(onComplete: try KeepJobs(json: r["onComplete"] ?? .bool(false)),
                              onFail: try KeepJobs(json: r["onFail"] ?? .bool(false)))
        concurrencySlot = try fields.optionalString("concurrencySlot")
        sequence = try fields.uint64("seq")
        guard (state == .active) == (lease != nil) else {
            throw DecodingFailure(description: "job \(id) is \(state.rawValue) \(lease == nil ? "without" : "with") a lease")
        }
    }

    /// An unsigned number as JSON reads it back (`.int` while it fits Int64).
    private static func unsigned(_ u: UInt64) -> JSONValue { u <= UInt64(Int64.max) ? .int(Int64(u)) : .uint(u) }

    /// The record as stored: compact JSON, the same object as `json`, written field by field in a
    /// fixed order (no intermediate dictionary: this runs for every state change).
    func encoded() -> [UInt8] {
        var w = ObjectWriter()
        w.string("id", id)
        w.string("queue", queue)
        w.string("type", type)
        w.value("payload", payload)
        w.string("organizationId", organizationID)
        if let userID { w.string("userId", userID) }
        if let courseID { w.string("courseId", courseID) }
        w.string("state", state.rawValue)
        w.int("priority", Int64(priority))
        w.int("attemptsMade", Int64(attemptsMade))
        w.int("maxAttempts", Int64(maxAttempts))
        if let backoff { w.value("backoff", backoff.json) }
        w.int("notBefore", notBefore)
        w.int("createdAt", createdAt)
        w.int("updatedAt", updatedAt)
        if let startedAt { w.int("startedAt", startedAt) }
        if let completedAt { w.int("completedAt", completedAt) }
        if let failedAt { w.int("failedAt", failedAt) }
        if let cancelledAt { w.int("cancelledAt", cancelledAt) }
        if let cancelledBy { w.string("cancelledBy", cancelledBy) }
        w.bool("cancelRequested", cancelRequested)
        w.value("progress", progress)
        if let result { w.value("result", result) }
        if let errorMessage { w.string("errorMessage", errorMessage) }
        if let errorStack { w.string("errorStack", errorStack) }
        w.int("stalledCount", Int64(stalledCount))
        if let lease {
            w.object("lease") { l in
                l.string("worker", lease.worker)
                l.uint("token", lease.token)
                l.int("claimedAt", lease.claimedAt)
                l.int("expiresAt", lease.expiresAt)
            }
        }
        w.object("retention") { r in
            r.value("onComplete", retention.onComplete.json)
            r.value("onFail", retention.onFail.json)
        }
        if let concurrencySlot { w.string("concurrencySlot", concurrencySlot) }
        w.uint("seq", sequence)
        return w.finish()
    }

    init(stored bytes: UnsafeRawBufferPointer) throws {
        let value: JSONValue
        do {
            value = try JSONText.parse(bytes)
        } catch {
            throw DecodingFailure(description: "not JSON (\(error))")
        }
        try self.init(json: value)
    }

    public init(from decoder: any Decoder) throws {
        try self.init(json: try JSONValue(from: decoder))
    }

    public func encode(to encoder: any Encoder) throws {
        try json.encode(to: encoder)
    }
}

extension Backoff {
    /// BullMQ's form: `{"type": "fixed"|"exponential", "delay": ms, "jitter": j}`.
    var json: JSONValue {
        let type: String
        switch self {
        case .fixed: type = "fixed"
        case .exponential: type = "exponential"
        }
        return .object(["type": .string(type), "delay": .int(milliseconds), "jitter": .double(jitter)])
    }

    init(json: JSONValue) throws {
        guard case .object(let o) = json else { throw JobRecord.DecodingFailure(description: "field backoff is not an object") }
        let fields = Fields(o)
        let delay = try fields.int64("delay")
        let jitter = o["jitter"]?.numberValue ?? 0
        switch try fields.string("type") {
        case "fixed": self = .fixed(milliseconds: delay, jitter: jitter)
        case "exponential": self = .exponential(milliseconds: delay, jitter: jitter)
        case let other: throw JobRecord.DecodingFailure(description: "unknown backoff type \(other.debugDescription)")
        }
    }
}

extension KeepJobs {
    /// BullMQ's form: `true` (none), `false` (all), `N`, or `{"age": seconds, "count": N}`.
    var json: JSONValue {
        switch self {
        case .all: .bool(false)
        case .none: .bool(true)
        case .limits(let count?, nil): .int(Int64(count))
        case .limits(let count, let age):
            .object([
                "count": count.map { .int(Int64($0)) } ?? .null,
                "age": age.map { .int($0) } ?? .null,
            ])
        }
    }

    init(json: JSONValue) throws {
        switch json {
        case .bool(true): self = .none
        case .bool(false): self = .all
        case .int(let n) where n >= 0 && n <= Int64(Int32.max): self = .last(Int(n))
        case .object(let o):
            let fields = Fields(o)
            let count = try fields.optionalInt64("count")
            let age = try fields.optionalInt64("age")
            guard (count ?? 0) >= 0, (count ?? 0) <= Int64(Int32.max), (age ?? 0) >= 0 else {
                throw JobRecord.DecodingFailure(description: "retention limits must be ≥ 0")
            }
            self = .limits(count: count.map { Int($0) }, ageSeconds: age)
        default:
            throw JobRecord.DecodingFailure(description: "retention must be true, false, a count or {age, count}")
        }
    }
}

/// Typed reads of a stored JSON object's fields that throw instead of trapping.
private struct Fields {
    let object: [String: JSONValue]
    init(_ object: [String: JSONValue]) { self.object = object }

    func string(_ key: String) throws -> String {
        guard case .string(let s)? = object[key] else { throw JobRecord.DecodingFailure(description: "field \(key) is not a string") }
        return s
    }

    func optionalString(_ key: String) throws -> String? {
        switch object[key] {
        case nil, .null?: return nil
        case .string(let s)?: return s
        default: throw JobRecord.DecodingFailure(description: "field \(key) is not a string")
        }
    }

    func int64(_ key: String) throws -> Int64 {
        guard case .int(let i)? = object[key] else { throw JobRecord.DecodingFailure(description: "field \(key) is not an integer") }
        return i
    }

    func optionalInt64(_ key: String) throws -> Int64? {
        switch object[key] {
        case nil, .null?: return nil
        case .int(let i)?: return i
        default: throw JobRecord.DecodingFailure(description: "field \(key) is not an integer")
        }
    }

    func int(_ key: String) throws -> Int {
        let value = try int64(key)
        guard let int = Int(exactly: value) else { throw JobRecord.DecodingFailure(description: "field \(key) is out of range") }
        return int
    }

    func uint64(_ key: String) throws -> UInt64 {
        switch object[key] {
        case .int(let i)? where i >= 0: return UInt64(i)
        case .uint(let u)?: return u
        default: throw JobRecord.DecodingFailure(description: "field \(key) is not an unsigned integer")
        }
    }
}

/// Writes one JSON object field by field into a byte buffer.
private struct ObjectWriter {
    private var bytes: [UInt8]
    private var first = true

    init(into bytes: [UInt8] = []) {
        self.bytes = bytes
        if bytes.isEmpty { self.bytes.reserveCapacity(768) }
        self.bytes.append(UInt8(ascii: "{"))
    }

    /// Keys are this file's own ASCII literals: written as they are.
    mutating func key(_ key: StaticString) {
        if !first { bytes.append(UInt8(ascii: ",")) }
        first = false
        bytes.append(UInt8(ascii: "\""))
        bytes.append(contentsOf: UnsafeBufferPointer(start: key.utf8Start, count: key.utf8CodeUnitCount))
        bytes.append(contentsOf: [UInt8(ascii: "\""), UInt8(ascii: ":")])
    }

    /// A JSON string: runs that need no escape are copied whole; the rest goes through `JSONText`.
    mutating func escaped(_ value: String) {
        var value = value
        let clean = value.withUTF8 { utf8 in
            utf8.allSatisfy { $0 >= 0x20 && $0 != 0x22 && $0 != 0x5C }
        }
        guard clean else {
            JSONText.writeString(value, into: &bytes)
            return
        }
        bytes.append(UInt8(ascii: "\""))
        value.withUTF8 { bytes.append(contentsOf: $0) }
        bytes.append(UInt8(ascii: "\""))
    }

    /// A nested object, written into the same buffer (moved, not copied).
    mutating func object(_ k: StaticString, _ body: (inout ObjectWriter) -> Void) {
        key(k)
        var taken: [UInt8] = []
        swap(&taken, &bytes)
        var inner = ObjectWriter(into: taken)
        body(&inner)
        bytes = inner.finish()
    }

    mutating func string(_ k: StaticString, _ value: String) {
        key(k)
        escaped(value)
    }

    mutating func int(_ k: StaticString, _ value: Int64) {
        key(k)
        bytes.append(contentsOf: String(value).utf8)
    }

    mutating func uint(_ k: StaticString, _ value: UInt64) {
        key(k)
        bytes.append(contentsOf: String(value).utf8)
    }

    mutating func bool(_ k: StaticString, _ value: Bool) {
        key(k)
        bytes.append(contentsOf: (value ? "true" : "false").utf8)
    }

    mutating func value(_ k: StaticString, _ value: JSONValue) {
        key(k)
        JSONText.write(value, into: &bytes)
    }

    consuming func finish() -> [UInt8] {
        bytes.append(UInt8(ascii: "}"))
        return bytes
    }
}
