import Foundation
import Testing

@testable import Storage

@Suite("DecodedRecordCache")
struct DecodedRecordCacheTests {
    static func lookup(_ cache: DecodedRecordCache<Int, String>, _ key: Int, _ bytes: [UInt8]) -> String? {
        bytes.withUnsafeBytes { cache.record(key, storedAs: $0) }
    }

    @Test("a hit needs the very bytes the record was decoded from; other bytes under the same key miss")
    func bytesDecide() {
        let cache = DecodedRecordCache<Int, String>(capacity: 16)
        #expect(Self.lookup(cache, 1, [1, 2, 3]) == nil)
        cache.store("one", storedAs: [1, 2, 3], for: 1)
        #expect(Self.lookup(cache, 1, [1, 2, 3]) == "one")
        #expect(Self.lookup(cache, 1, [1, 2, 4]) == nil)
        #expect(Self.lookup(cache, 1, [1, 2]) == nil)
        #expect(Self.lookup(cache, 1, []) == nil)
        #expect(Self.lookup(cache, 2, [1, 2, 3]) == nil)
        cache.store("one, changed", storedAs: [9], for: 1)
        #expect(Self.lookup(cache, 1, [1, 2, 3]) == nil)
        #expect(Self.lookup(cache, 1, [9]) == "one, changed")
        cache.store("empty", storedAs: [], for: 3)
        #expect(Self.lookup(cache, 3, []) == "empty")
        cache.remove(1)
        #expect(Self.lookup(cache, 1, [9]) == nil)
    }

    @Test("never more than capacity entries, and entries in use survive the generations turning over")
    func bounded() {
        let cache = DecodedRecordCache<Int, String>(capacity: 100)
        cache.store("hot", storedAs: [0], for: -1)
        for key in 0..<10_000 {
            cache.store("\(key)", storedAs: [UInt8(truncatingIfNeeded: key)], for: key)
            #expect(cache.count <= 100)
            // Read the hot entry every 10 stores: it moves forward each time its generation is about to go.
            if key % 10 == 0 { #expect(Self.lookup(cache, -1, [0]) == "hot", "lost at \(key)") }
        }
        #expect(Self.lookup(cache, 9_999, [UInt8(truncatingIfNeeded: 9_999)]) == "9999")
        #expect(Self.lookup(cache, 0, [0]) == nil)  // long aged out
    }

    @Test("concurrent readers and writers keep every hit correct")
    func concurrent() async {
        let cache = DecodedRecordCache<Int, String>(capacity: 64)
        await withTaskGroup(of: Int.self) { group in
            for worker in 0..<4 {
                group.addTask {
                    var wrong = 0
                    for round in 0..<5_000 {
                        let key = (round * 7 + worker) % 200, version = UInt8(truncatingIfNeeded: round % 3)
                        if let hit = Self.lookup(cache, key, [UInt8(truncatingIfNeeded: key), version]), hit != "\(key).\(version)" { wrong += 1 }
                        cache.store("\(key).\(version)", storedAs: [UInt8(truncatingIfNeeded: key), version], for: key)
                    }
                    return wrong
                }
            }
            var wrong = 0
            for await count in group { wrong += count }
            #expect(wrong == 0)
        }
        #expect(cache.count <= 64)
    }
}
