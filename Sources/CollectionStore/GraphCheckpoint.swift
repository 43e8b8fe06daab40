import Foundation
import Search
import Storage

/// HNSW graphs persisted as checkpoints, so opening a collection restores its graph instead of
/// rebuilding it.
///
/// Layout in `coll.graphs`: key `cid · slot · part · chunk` (u32, u16, u8, u32 big-endian). Part 0 is a
/// JSON header (the operation id the checkpoint reflects, the index parameters and the array
/// lengths); parts 1–6 are the snapshot's arrays as raw little-endian bytes, cut into 32 MiB chunks.
/// A checkpoint is written in one transaction while no write runs, so it reflects exactly the points
/// of operations ≤ `operation`; points written later are replayed from `coll.vectors` on open.
enum GraphCheckpoint {
    static let chunkBytes = 32 << 20

    struct Header: Codable {
        var operation: UInt64
        var dimension: Int
        var metric: DistanceMetric
        var configuration: HNSWConfiguration
        var entryPoint: UInt32
        var maxLevel: Int
        var idBound: Int
        /// Element counts of states, levels, vectors, level0Links, upperLinks, quantizerRange.
        var counts: [Int]
    }

    static func prefix(_ cid: UInt32, _ slot: UInt16) -> [UInt8] { Keys.bigEndian(cid) + Keys.bigEndian(slot) }

    static func key(_ cid: UInt32, _ slot: UInt16, part: UInt8, chunk: UInt32) -> [UInt8] {
        prefix(cid, slot) + [part] + Keys.bigEndian(chunk)
    }

    /// Replaces the checkpoint of one vector space.
    static func write(_ snapshot: HNSWSnapshot, operation: UInt64, cid: UInt32, slot: UInt16, table: Table<[UInt8], [UInt8]>, txn: WriteTransaction) throws {
        try deleteAll(cid: cid, slot: slot, table: table, txn: txn)
        let header = Header(
            operation: operation, dimension: snapshot.dimension, metric: snapshot.metric, configuration: snapshot.configuration,
            entryPoint: snapshot.entryPoint, maxLevel: snapshot.maxLevel, idBound: snapshot.idBound,
            counts: [snapshot.states.count, snapshot.levels.count, snapshot.vectors.count, snapshot.level0Links.count,
                     snapshot.upperLinks.count, snapshot.quantizerRange.count]
        )
        try table.put(Array(try JSONEncoder().encode(header)), for: key(cid, slot, part: 0, chunk: 0), in: txn)
        try writeArray(snapshot.states, part: 1)
        try writeArray(snapshot.levels, part: 2)
        try writeArray(snapshot.vectors, part: 3)
        try writeArray(snapshot.level0Links, part: 4)
        try writeArray(snapshot.upperLinks, part: 5)
        try writeArray(snapshot.quantizerRange, part: 6)

        func writeArray<T>(_ array: [T], part: UInt8) throws {
            try array.withUnsafeBytes { raw in
                var offset = 0
                var chunk: UInt32 = 0
                repeat {
                    let count = min(chunkBytes, raw.count - offset)
                    try table.putBytes(for: key(cid, slot, part: part, chunk: chunk), byteCount: count, in: txn) { target in
                        target.copyMemory(from: UnsafeRawBufferPointer(rebasing: raw[offset..<(offset + count)]))
                    }
                    offset += count
                    chunk += 1
                } while offset < raw.count
            }
        }
    }

    /// The checkpoint of one vector space and the operation it reflects, or nil when there is none.
    static func read(cid: UInt32, slot: UInt16, table: Table<[UInt8], [UInt8]>, txn: ReadTransaction) throws -> (HNSWSnapshot, UInt64)? {
        guard let headerBytes = try table.get(key(cid, slot, part: 0, chunk: 0), in: txn) else { return nil }
        let header = try JSONDecoder().decode(Header.self, from: Data(headerBytes))
        guard header.counts.count == 6 else { throw CollectionError.storage("corrupt graph checkpoint header") }
        func readArray<T>(_ type: T.Type, part: UInt8) throws -> [T] {
            let count = header.counts[Int(part) - 1]
            let totalBytes = count * MemoryLayout<T>.stride
            return try [T](unsafeUninitializedCapacity: count) { buffer, initialized in
                let target = UnsafeMutableRawBufferPointer(buffer)
                var offset = 0
                var chunk: UInt32 = 0
                while offset < totalBytes {
                    let copied = try table.withStoredBytes(key(cid, slot, part: part, chunk: chunk), in: txn) { source -> Int in
                        guard offset + source.count <= totalBytes else { return -1 }
                        UnsafeMutableRawBufferPointer(rebasing: target[offset..<(offset + source.count)]).copyMemory(from: source)
                        return source.count
                    }
                    guard let copied, copied > 0 else { throw CollectionError.storage("graph checkpoint part \(part) is incomplete") }
                    offset += copied
                    chunk += 1
                }
                initialized = count
            }
        }
        let snapshot = HNSWSnapshot.assemble(
            dimension: header.dimension, metric: header.metric, configuration: header.configuration,
            entryPoint: header.entryPoint, maxLevel: header.maxLevel, idBound: header.idBound,
            states: try readArray(UInt8.self, part: 1), levels: try readArray(UInt8.self, part: 2),
            vectors: try readArray(Float.self, part: 3), level0Links: try readArray(UInt32.self, part: 4),
            upperLinks: try readArray(UInt32.self, part: 5), quantizerRange: try readArray(Float.self, part: 6)
        )
        return (snapshot, header.operation)
    }

    static func deleteAll(cid: UInt32, slot: UInt16, table: Table<[UInt8], [UInt8]>, txn: WriteTransaction) throws {
        let prefix = prefix(cid, slot)
        try table.withCursor(in: txn) { cursor in
            var entry = try cursor.seek(atOrAfterBytes: prefix)
            while entry != nil, cursor.currentKeyBytes.starts(with: prefix) {
                try cursor.deleteCurrent()
                entry = try cursor.seek(atOrAfterBytes: prefix)
            }
        }
    }
}
