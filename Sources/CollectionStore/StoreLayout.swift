import JSON
import Foundation
import Storage

/// The LMDB tables every collection shares, with keys prefixed by the collection's number (`cid`):
///
/// | table | key | value |
/// | --- | --- | --- |
/// | `coll.registry` | name | `CollectionRecord` (JSON) |
/// | `coll.counters` | cid · counter name | UInt64 |
/// | `coll.points` | cid · internal id | `StoredPoint` (sort key, version, payload JSON) |
/// | `coll.ids` | cid · PointID sort key | internal id |
/// | `coll.vectors` | cid · slot · internal id | dense: f32 LE; sparse: u32 n, n × u32 index, n × f32 value |
/// | `coll.graphs` | cid · slot · part · chunk | HNSW checkpoints (`GraphCheckpoint`) |
///
/// All integers in keys are big-endian, so a cursor walks a collection's points in internal-id order
/// and its ids in Qdrant's id order.
struct StoreTables: Sendable {
    let registry: Table<String, JSONStored<CollectionRecord>>
    let counters: Table<[UInt8], UInt64>
    let points: Table<[UInt8], [UInt8]>
    let ids: Table<[UInt8], UInt32>
    let vectors: Table<[UInt8], [UInt8]>
    /// HNSW checkpoints (see `GraphCheckpoint`).
    let graphs: Table<[UInt8], [UInt8]>
    /// Collection aliases: alias name → collection name (UTF-8).
    let aliases: Table<String, [UInt8]>

    init(environment: Environment) throws {
        registry = try environment.table("coll.registry")
        counters = try environment.table("coll.counters")
        points = try environment.table("coll.points")
        ids = try environment.table("coll.ids")
        vectors = try environment.table("coll.vectors")
        graphs = try environment.table("coll.graphs")
        aliases = try environment.table("coll.aliases")
    }
}

/// What the registry stores per collection.
struct CollectionRecord: Codable, Sendable {
    var cid: UInt32
    var name: String
    var config: CollectionConfig
    /// Vector name → slot number used in `coll.vectors` keys.
    var slots: [String: UInt16]
    var createdAt: Date
    /// Payload index definitions (`PUT /collections/{c}/index`); contents are rebuilt from payloads on open.
    var payloadIndexes: [String: PayloadFieldSchema]? = nil
}

enum Keys {
    static func prefix(_ cid: UInt32) -> [UInt8] { bigEndian(cid) }

    static func point(_ cid: UInt32, _ iid: UInt32) -> [UInt8] { bigEndian(cid) + bigEndian(iid) }

    static func id(_ cid: UInt32, _ id: PointID) -> [UInt8] { bigEndian(cid) + id.sortKey }

    static func vector(_ cid: UInt32, _ slot: UInt16, _ iid: UInt32) -> [UInt8] {
        bigEndian(cid) + bigEndian(slot) + bigEndian(iid)
    }

    static func vectorSlotPrefix(_ cid: UInt32, _ slot: UInt16) -> [UInt8] { bigEndian(cid) + bigEndian(slot) }

    static func counter(_ cid: UInt32, _ name: String) -> [UInt8] { bigEndian(cid) + Array(name.utf8) }

    static func bigEndian<T: FixedWidthInteger>(_ value: T) -> [UInt8] {
        withUnsafeBytes(of: value.bigEndian) { Array($0) }
    }

    static func readUInt32(_ bytes: some Collection<UInt8>, at offset: Int) -> UInt32 {
        var value: UInt32 = 0
        for byte in bytes.dropFirst(offset).prefix(4) { value = value << 8 | UInt32(byte) }
        return value
    }
}

/// A point's stored record: `[n: UInt8][sort key: n bytes][version: UInt64 BE][payload JSON]`.
///
/// Payloads are written at most `VectorCollection.maxPayloadDepth` levels deep and read back with a
/// margin above that bound, so neither side recurses without limit; a record past it (written by an
/// older version, or damaged) decodes as `DamagedPayload`, keeping its id and version.
struct StoredPoint {
    /// The id and version of a record whose payload cannot be parsed.
    struct DamagedPayload: Error {
        let id: PointID
        let version: UInt64
        let reason: String
    }

    /// The nesting bound used when reading stored payloads back.
    static let readDepth = VectorCollection.maxPayloadDepth + 16

    var id: PointID
    var version: UInt64
    var payload: [String: JSONValue]

    func encoded() throws -> [UInt8] {
        let key = id.sortKey
        var bytes: [UInt8] = [UInt8(key.count)] + key + Keys.bigEndian(version)
        JSONText.write(.object(payload), into: &bytes)
        return bytes
    }

    init(id: PointID, version: UInt64, payload: [String: JSONValue]) {
        self.id = id
        self.version = version
        self.payload = payload
    }

    init(decoding bytes: [UInt8]) throws {
        guard let n = bytes.first.map(Int.init), bytes.count >= 1 + n + 8, let id = PointID(sortKey: bytes[1..<(1 + n)]) else {
            throw CollectionError.storage("corrupt point record")
        }
        self.id = id
        self.version = bytes[(1 + n)..<(9 + n)].reduce(0) { $0 << 8 | UInt64($1) }
        let parsed: JSONValue
        do {
            parsed = try JSONText.parse(bytes[(9 + n)...], maxDepth: Self.readDepth)
        } catch {
            throw DamagedPayload(id: id, version: version, reason: "\(error)")
        }
        guard case .object(let payload) = parsed else {
            throw DamagedPayload(id: id, version: version, reason: "the payload is not a JSON object")
        }
        self.payload = payload
    }
}

enum VectorCoding {
    static func encodeDense(_ vector: [Float]) -> [UInt8] {
        vector.withUnsafeBytes { Array($0) }
    }

    static func decodeDense(_ bytes: [UInt8]) -> [Float] {
        bytes.withUnsafeBytes { raw in
            (0..<(bytes.count / 4)).map { raw.loadUnaligned(fromByteOffset: $0 * 4, as: Float.self) }
        }
    }

    /// A multivector's rows, concatenated (the row count follows from the space's dimension).
    static func encodeMulti(_ rows: [[Float]]) -> [UInt8] {
        var bytes: [UInt8] = []
        bytes.reserveCapacity(rows.reduce(0) { $0 + $1.count * 4 })
        for row in rows { row.withUnsafeBytes { bytes += $0 } }
        return bytes
    }

    /// Rows of `dimension` floats; bytes that are not a whole number of rows decode as no rows.
    static func decodeMulti(_ bytes: [UInt8], dimension: Int) -> [[Float]] {
        let flat = decodeDense(bytes)
        guard dimension > 0, flat.count % dimension == 0 else { return [] }
        return stride(from: 0, to: flat.count, by: dimension).map { Array(flat[$0..<($0 + dimension)]) }
    }

    static func encodeSparse(indices: [UInt32], values: [Float]) -> [UInt8] {
        var bytes: [UInt8] = []
        bytes.reserveCapacity(4 + indices.count * 8)
        withUnsafeBytes(of: UInt32(indices.count).littleEndian) { bytes += $0 }
        indices.forEach { i in withUnsafeBytes(of: i.littleEndian) { bytes += $0 } }
        values.forEach { v in withUnsafeBytes(of: v.bitPattern.littleEndian) { bytes += $0 } }
        return bytes
    }

    /// Decodes a stored sparse vector; bytes whose length does not match their count decode as empty.
    static func decodeSparse(_ bytes: [UInt8]) -> (indices: [UInt32], values: [Float]) {
        bytes.withUnsafeBytes { raw in
            guard raw.count >= 4 else { return ([], []) }
            let n = Int(UInt32(littleEndian: raw.loadUnaligned(as: UInt32.self)))
            guard raw.count == 4 + 8 * n else { return ([], []) }
            let indices = (0..<n).map { UInt32(littleEndian: raw.loadUnaligned(fromByteOffset: 4 + $0 * 4, as: UInt32.self)) }
            let values = (0..<n).map {
                Float(bitPattern: UInt32(littleEndian: raw.loadUnaligned(fromByteOffset: 4 + n * 4 + $0 * 4, as: UInt32.self)))
            }
            return (indices, values)
        }
    }
}
