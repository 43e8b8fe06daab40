@testable import Embedding
import Foundation
import Storage
import Synchronization
import Testing

/// An embedder that records its calls; vectors are [text length, first scalar, 1].
final class CountingEmbedder: Embedder {
    let modelName: String
    let dimension: Int
    private let state = Mutex<(calls: [[String]], failNext: Bool, wrongDimension: Bool)>(([], false, false))

    init(modelName: String = "fake", dimension: Int = 3) {
        self.modelName = modelName
        self.dimension = dimension
    }

    var calls: [[String]] { state.withLock { $0.calls } }
    func failNextCall() { state.withLock { $0.failNext = true } }
    func returnWrongDimension() { state.withLock { $0.wrongDimension = true } }

    static func vector(for text: String) -> [Float] {
        [Float(text.count), Float(text.unicodeScalars.first?.value ?? 0), 1]
    }

    func embed(_ texts: [String]) async throws -> [[Float]] {
        let (fail, wrong) = state.withLock { state in
            state.calls.append(texts)
            defer { state.failNext = false }
            return (state.failNext, state.wrongDimension)
        }
        if fail { throw EmbeddingError.remoteTimeout(seconds: 1) }
        return texts.map { wrong ? [1] : Self.vector(for: $0) }
    }
}

/// A settable clock for TTL tests (seconds since 1970).
final class TestClock: Sendable {
    private let value = Mutex<Double>(1_700_000_000)
    var now: Double { value.withLock { $0 } }
    func advance(_ seconds: Double) { value.withLock { $0 += seconds } }
}

@Suite struct EmbeddingCacheTests {
    func withEnvironment(_ body: (Environment) async throws -> Void) async throws {
        let directory = try TestSupport.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: directory) }
        let environment = try Environment.open(path: directory.path)
        try await body(environment)
    }

    @Test func keysSeparateModelTaskAndText() {
        let key = EmbeddingCacheKey(model: "m", task: "t", text: "hello")
        #expect(key.bytes.count == 32)
        #expect(key == EmbeddingCacheKey(model: "m", task: "t", text: "hello"))
        #expect(key != EmbeddingCacheKey(model: "m2", task: "t", text: "hello"))
        #expect(key != EmbeddingCacheKey(model: "m", task: "", text: "hello"))
        #expect(EmbeddingCacheKey(model: "ab", task: "c", text: "") != EmbeddingCacheKey(model: "a", task: "bc", text: ""))
    }

    @Test func secondCallIsServedFromCacheAndDuplicatesEmbedOnce() async throws {
        try await withEnvironment { environment in
            let inner = CountingEmbedder()
            let cached = CachedEmbedder(inner, cache: try EmbeddingCache(environment: environment))
            let first = try await cached.embed(["a", "bb", "a", "ccc"])
            #expect(first == ["a", "bb", "a", "ccc"].map(CountingEmbedder.vector(for:)))
            #expect(inner.calls == [["a", "bb", "ccc"]])
            let second = try await cached.embed(["ccc", "a", "dddd"])
            #expect(second == ["ccc", "a", "dddd"].map(CountingEmbedder.vector(for:)))
            #expect(inner.calls == [["a", "bb", "ccc"], ["dddd"]])
            let stats = cached.cache.statistics
            #expect(stats.memoryHits == 2)
            #expect(stats.misses == 4 + 1)
            #expect(stats.stores == 4)
        }
    }

    @Test func failedOrInvalidEmbeddingsAreNotCached() async throws {
        try await withEnvironment { environment in
            let inner = CountingEmbedder()
            let cached = CachedEmbedder(inner, cache: try EmbeddingCache(environment: environment))
            inner.failNextCall()
            await #expect(throws: EmbeddingError.remoteTimeout(seconds: 1)) { try await cached.embed(["x"]) }
            #expect(cached.cache.statistics.stores == 0)
            _ = try await cached.embed(["x"])
            #expect(inner.calls.count == 2)

            let broken = CountingEmbedder(modelName: "broken")
            broken.returnWrongDimension()
            let cachedBroken = CachedEmbedder(broken, cache: try EmbeddingCache(environment: environment, configuration: .init(tableName: "other")))
            await #expect(throws: EmbeddingError.self) { try await cachedBroken.embed(["y"]) }
            #expect(cachedBroken.cache.statistics.stores == 0)
            let count = try environment.read { try environment.table("other", key: [UInt8].self, value: Data.self).count(in: $0) }
            #expect(count == 0)
        }
    }

    @Test func entriesSurviveInLMDBAcrossCacheInstances() async throws {
        try await withEnvironment { environment in
            let inner = CountingEmbedder()
            _ = try await CachedEmbedder(inner, cache: try EmbeddingCache(environment: environment), task: "q").embed(["persist me"])
            let reopened = CachedEmbedder(inner, cache: try EmbeddingCache(environment: environment), task: "q")
            let vectors = try await reopened.embed(["persist me"])
            #expect(vectors == [CountingEmbedder.vector(for: "persist me")])
            #expect(inner.calls.count == 1)
            #expect(reopened.cache.statistics.diskHits == 1)
            // Promoted into memory: the next look-up does not touch LMDB.
            _ = try await reopened.embed(["persist me"])
            #expect(reopened.cache.statistics.memoryHits == 1)
            // Another task is another key.
            _ = try await CachedEmbedder(inner, cache: reopened.cache, task: "p").embed(["persist me"])
            #expect(inner.calls.count == 2)
        }
    }

    @Test func expiredEntriesAreMissesAndCanBeSwept() async throws {
        try await withEnvironment { environment in
            let clock = TestClock()
            let cache = try EmbeddingCache(environment: environment, configuration: .init(ttl: 60), now: { clock.now })
            let inner = CountingEmbedder()
            let cached = CachedEmbedder(inner, cache: cache)
            _ = try await cached.embed(["old"])
            clock.advance(30)
            _ = try await cached.embed(["old", "new"])
            #expect(inner.calls == [["old"], ["new"]])
            clock.advance(45)  // "old" is 75 s old, "new" 45 s
            _ = try await cached.embed(["old", "new"])
            #expect(inner.calls == [["old"], ["new"], ["old"]])
            clock.advance(61)
            #expect(try cache.removeExpired() == 2)
            let remaining = try environment.read {
                try environment.table("embedding_cache", key: [UInt8].self, value: Data.self).count(in: $0)
            }
            #expect(remaining == 0)
        }
    }

    @Test func memoryTierIsBoundedByBytesAndEvictsLeastRecent() throws {
        let key = { (i: Int) in EmbeddingCacheKey(model: "m", task: "", text: "\(i)") }
        let vector = [Float](repeating: 0.5, count: 100)
        var lru = LRUCache(capacityBytes: 3 * LRUCache.cost(vector))
        for i in 0..<3 { lru.put(key(i), vector: vector, createdAt: 0) }
        #expect(lru.get(key(0)) != nil)  // 0 becomes most recent
        lru.put(key(3), vector: vector, createdAt: 0)  // evicts 1
        #expect(lru.count == 3)
        #expect(lru.bytes <= lru.capacityBytes)
        #expect(lru.get(key(1)) == nil)
        #expect(lru.keysByRecency == [key(3), key(0), key(2)])
        lru.put(key(9), vector: [Float](repeating: 0, count: 10_000), createdAt: 0)  // larger than the budget
        #expect(lru.get(key(9)) == nil)
        #expect(lru.count == 3)

        let cache = try EmbeddingCache(environment: nil, configuration: .init(memoryBytes: 2 * LRUCache.cost(vector)))
        try cache.store((0..<5).map(key), Array(repeating: vector, count: 5))
        #expect(cache.statistics.memoryEntries == 2)
        #expect(cache.lookup([key(4), key(0)]).map { $0 != nil } == [true, false])
    }

    @Test func invalidCacheConfigurationIsRejected() {
        #expect(throws: EmbeddingError.self) { try EmbeddingCache(environment: nil, configuration: .init(ttl: 0)) }
        #expect(throws: EmbeddingError.self) { try EmbeddingCache(environment: nil, configuration: .init(memoryBytes: -1)) }
    }

    @Test func registryFindsModelsCaseInsensitivelyAndNamesTheKnownOnes() throws {
        var registry = EmbedderRegistry()
        registry.register(CountingEmbedder(modelName: "sentence-transformers/all-MiniLM-L6-v2"), aliases: ["minilm"])
        #expect(try registry.embedder(named: "Sentence-Transformers/all-minilm-l6-v2").modelName == "sentence-transformers/all-MiniLM-L6-v2")
        #expect(try registry.embedder(named: "MiniLM").dimension == 3)
        #expect {
            try registry.embedder(named: "bert-huge")
        } throws: { error in
            "\(error)".contains("bert-huge") && "\(error)".contains("minilm")
        }
    }
}
