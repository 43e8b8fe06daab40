import Foundation
import Storage

/// `limit` and `offset` of the admin list procedures: limit 1…100 (default 20), offset ≥ 0 (default 0).
public struct PageRequest: Sendable, Equatable {
    public let limit: Int
    public let offset: Int

    public init(limit: Int = 20, offset: Int = 0) throws(AccountsError) {
        guard (1...100).contains(limit) else { throw .badRequest("limit must be between 1 and 100 (got \(limit)).") }
        guard offset >= 0 else { throw .badRequest("offset must be 0 or more (got \(offset)).") }
        self.limit = limit
        self.offset = offset
    }

    /// The defaults: the first 20.
    public static let first = PageRequest(checkedLimit: 20, offset: 0)

    private init(checkedLimit: Int, offset: Int) {
        self.limit = checkedLimit
        self.offset = offset
    }
}

/// One page of an offset listing and the number of records the whole listing has.
public struct Page<Item: Sendable>: Sendable {
    public var items: [Item]
    public var total: Int
}

/// An opaque position in a newest-first list: after the record created at a time with an id. Clients get it
/// as `nextCursor` (32 base64url characters) and send it back unchanged; it names no organisation, so a
/// cursor can never reach outside the caller's scope.
public struct ListCursor: Sendable, Equatable {
    let position: [UInt8]  // Keys.position: 8 + 16 bytes

    init(position: [UInt8]) { self.position = position }

    /// Parses a client's cursor; anything else than one this store gave out is `badRequest`.
    public init(_ text: String) throws(AccountsError) {
        guard let bytes = Base64URL.decode(text), bytes.count == 24 else {
            throw .badRequest("Invalid cursor: pass the nextCursor of the previous page unchanged.")
        }
        position = bytes
    }

    public var text: String { Base64URL.encode(position) }
}

/// Walks of list indexes whose keys are `prefix + Keys.position(createdAt, id)`.
struct IndexWalk {
    let index: Table<[UInt8], [UInt8]>
    let prefix: [UInt8]

    /// Calls `visit` with the id of each entry after `cursor` (or from the start) in key order, while it returns true.
    func forEach(after cursor: ListCursor? = nil, in txn: ReadTransaction, _ visit: (UUID) throws -> Bool) throws {
        let start = prefix + (cursor?.position ?? [])
        try index.withCursor(in: txn) { lmdbCursor in
            var entry = try lmdbCursor.seek(atOrAfterBytes: start)
            if cursor != nil, entry != nil, Self.equal(lmdbCursor.currentKeyBytes, start) {
                entry = try lmdbCursor.next()
            }
            while entry != nil {
                let key = lmdbCursor.currentKeyBytes
                guard Self.hasPrefix(key, prefix), let id = Keys.trailingID(key) else { return }
                guard try visit(id) else { return }
                entry = try lmdbCursor.next()
            }
        }
    }

    /// The `offset`…`offset+limit` records that `include` accepts, and how many it accepts in all. Without a
    /// filter `total` is `knownTotal` (a counter) and the walk stops at the page's end.
    func page<Record>(_ request: PageRequest, knownTotal: Int?, in txn: ReadTransaction,
                      load: (UUID) throws -> Record?, include: ((Record) -> Bool)? = nil) throws -> Page<Record> {
        var items: [Record] = []
        var matched = 0
        try forEach(in: txn) { id in
            if include == nil && matched < request.offset {  // skipped entries need no record
                matched += 1
                return true
            }
            guard let record = try load(id) else { return true }
            if let include, !include(record) { return true }
            if matched >= request.offset && items.count < request.limit { items.append(record) }
            matched += 1
            return include != nil || knownTotal == nil || items.count < request.limit
        }
        return Page(items: items, total: include == nil ? (knownTotal ?? matched) : matched)
    }

    private static func hasPrefix(_ key: UnsafeRawBufferPointer, _ prefix: [UInt8]) -> Bool {
        key.count >= prefix.count && zip(key, prefix).allSatisfy { $0 == $1 }
    }

    private static func equal(_ key: UnsafeRawBufferPointer, _ bytes: [UInt8]) -> Bool {
        key.count == bytes.count && zip(key, bytes).allSatisfy { $0 == $1 }
    }
}

/// base64url without padding (RFC 4648 §5).
enum Base64URL {
    static func encode(_ bytes: [UInt8]) -> String {
        Data(bytes).base64EncodedString()
            .replacingOccurrences(of: "+", with: "-").replacingOccurrences(of: "/", with: "_")
            .replacingOccurrences(of: "=", with: "")
    }

    static func decode(_ text: String) -> [UInt8]? {
        guard text.utf8.count <= 4096, text.utf8.allSatisfy({ $0 != UInt8(ascii: "=") }) else { return nil }
        var base64 = text.replacingOccurrences(of: "-", with: "+").replacingOccurrences(of: "_", with: "/")
        base64 += String(repeating: "=", count: (4 - base64.utf8.count % 4) % 4)
        return Data(base64Encoded: base64).map { Array($0) }
    }
}
