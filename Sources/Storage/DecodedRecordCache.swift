import Foundation
import Synchronization

/// Decoded records remembered with the exact bytes they were decoded from, so that a read whose stored bytes
/// are the same returns the decoded record without parsing again.
///
/// Decoding is a pure function of the bytes, so a hit is always correct: a record changed by any writer (this
/// process, another one, a write that never committed) has other bytes and simply misses. The cache therefore
/// needs no invalidation and no transaction of its own; `remove` only frees memory early.
///
/// Bounded by two generations: lookups try the current generation, then the previous one (a hit there moves
/// the entry forward); when the current generation reaches half the capacity it becomes the previous one and
/// the oldest is dropped. So at most `capacity` entries are held, recently used ones survive, and every
/// operation is O(1) amortised.
public final class DecodedRecordCache<Key: Hashable & Sendable, Record: Sendable>: Sendable {
    private struct Entry: Sendable {
        let bytes: [UInt8]
        let record: Record
    }

    private struct Generations: Sendable {
        var current: [Key: Entry] = [:]
        var previous: [Key: Entry] = [:]
    }

    private let generations = Mutex(Generations())
    /// The most entries held at once (both generations together).
    public let capacity: Int

    public init(capacity: Int) {
        self.capacity = max(2, capacity)
    }

    /// The record decoded from `bytes` under `key`, if it is remembered.
    public func record(_ key: Key, storedAs bytes: UnsafeRawBufferPointer) -> Record? {
        generations.withLock { generations in
            if let entry = generations.current[key] {
                return Self.same(entry.bytes, bytes) ? entry.record : nil
            }
            guard let entry = generations.previous.removeValue(forKey: key), Self.same(entry.bytes, bytes) else { return nil }
            Self.insert(entry, for: key, into: &generations, capacity: capacity)
            return entry.record
        }
    }

    /// Remembers `record` as what `bytes` decode to under `key`.
    public func store(_ record: Record, storedAs bytes: [UInt8], for key: Key) {
        generations.withLock { Self.insert(Entry(bytes: bytes, record: record), for: key, into: &$0, capacity: capacity) }
    }

    /// Forgets `key` (a deleted or finished record), freeing its memory before it would age out.
    public func remove(_ key: Key) {
        generations.withLock { generations in
            generations.current.removeValue(forKey: key)
            generations.previous.removeValue(forKey: key)
        }
    }

    /// How many entries are held (tests).
    public var count: Int { generations.withLock { $0.current.count + $0.previous.count } }

    private static func insert(_ entry: Entry, for key: Key, into generations: inout Generations, capacity: Int) {
        if generations.current.updateValue(entry, forKey: key) == nil {
            generations.previous.removeValue(forKey: key)
            if generations.current.count >= capacity / 2 {
                generations.previous = generations.current
                generations.current = [:]
            }
        }
    }

    private static func same(_ stored: [UInt8], _ bytes: UnsafeRawBufferPointer) -> Bool {
        stored.withUnsafeBytes { stored in
            guard stored.count == bytes.count else { return false }
            guard let a = stored.baseAddress, let b = bytes.baseAddress else { return true }
            return memcmp(a, b, stored.count) == 0
        }
    }
}
