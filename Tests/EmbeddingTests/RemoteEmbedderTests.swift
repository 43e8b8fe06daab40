@testable import Embedding
import Foundation
import Testing

/// A local stand-in provider (Fixtures/stub_embeddings_server.py) on 127.0.0.1, one per test.
final class StubProvider {
    private let process = Process()
    private let input = Pipe()
    let port: Int

    init() throws {
        guard let script = Bundle.module.url(forResource: "Fixtures/stub_embeddings_server", withExtension: "py") else {
            throw EmbeddingError.invalidInput("stub server script missing from the test bundle")
        }
        process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        process.arguments = ["python3", script.path]
        let output = Pipe()
        process.standardOutput = output
        process.standardInput = input
        try process.run()
        var bytes = Data()
        while !bytes.contains(UInt8(ascii: "\n")) {
            let chunk = output.fileHandleForReading.availableData
            if chunk.isEmpty { throw EmbeddingError.transport("stub server exited before printing its port") }
            bytes.append(chunk)
        }
        guard let port = Int(String(decoding: bytes, as: UTF8.self).trimmingCharacters(in: .whitespacesAndNewlines)) else {
            throw EmbeddingError.transport("stub server printed no port")
        }
        self.port = port
    }

    func url(_ prefix: String = "") -> String { "http://127.0.0.1:\(port)\(prefix)/v1/embeddings" }

    func embedder(_ prefix: String = "", dimension: Int = 4, configure: (inout RemoteEmbedder.Configuration) -> Void = { _ in }) throws -> RemoteEmbedder {
        var configuration = RemoteEmbedder.Configuration(
            url: url(prefix), model: "stub-model", dimension: dimension,
            timeout: 5, maxRetries: 3, initialBackoff: 0.01, maxBackoff: 0.05)
        configure(&configuration)
        return try RemoteEmbedder(configuration: configuration)
    }

    deinit {
        // Closing stdin stops the stub; SIGKILL makes sure even if the runner left SIGTERM ignored.
        try? input.fileHandleForWriting.close()
        kill(process.processIdentifier, SIGKILL)
        process.waitUntilExit()
    }
}

@Suite struct RemoteEmbedderTests {
    @Test func batchesKeepInputOrderAndSendTheTask() async throws {
        let stub = try StubProvider()
        let embedder = try stub.embedder { $0.batchSize = 2; $0.task = "retrieval.query" }
        let texts = ["a", "bb", "ccc", "dddd", "eeeee"]
        let vectors = try await embedder.embed(texts)
        #expect(vectors.map { $0[0] } == [1, 2, 3, 4, 5])
        #expect(vectors.map { $0[1] } == [0, 1, 0, 1, 0])  // position inside each batch of 2
        #expect(vectors.allSatisfy { $0[2] == Float("retrieval.query".count) })
        #expect(try await embedder.embed([]).isEmpty)
    }

    @Test func dimensionsAreSentWhenAskedAndChecked() async throws {
        let stub = try StubProvider()
        let sized = try stub.embedder(dimension: 6) { $0.sendDimensions = true }
        #expect(try await sized.embed(["x"])[0].count == 6)
        let unsized = try stub.embedder(dimension: 6)  // the stub answers 4 components
        await #expect(throws: EmbeddingError.invalidResponse("embedding of dimension 4, expected 6")) {
            try await unsized.embed(["x"])
        }
    }

    @Test func apiKeyIsSentAndAuthErrorsAreNotRetried() async throws {
        let stub = try StubProvider()
        let good = try stub.embedder("/auth") { $0.apiKey = "secret" }
        #expect(try await good.embed(["ok"]).count == 1)
        let bad = try stub.embedder("/auth") { $0.apiKey = "wrong" }
        await #expect(throws: EmbeddingError.remoteStatus(code: 401, message: "invalid api key")) {
            try await bad.embed(["no"])
        }
    }

    @Test func serverErrorsAreRetriedWithBackoff() async throws {
        let stub = try StubProvider()
        // The first two answers are 503: two retries are enough.
        let vectors = try await stub.embedder("/flaky") { $0.maxRetries = 2 }.embed(["hello"])
        #expect(vectors[0][0] == 5)

        let fresh = try StubProvider()
        await #expect(throws: EmbeddingError.remoteStatus(code: 503, message: "overloaded")) {
            try await fresh.embedder("/flaky") { $0.maxRetries = 1 }.embed(["hello"])
        }
        await #expect(throws: EmbeddingError.remoteStatus(code: 429, message: "slow down")) {
            try await stub.embedder("/ratelimited") { $0.maxRetries = 2 }.embed(["hello"])
        }
    }

    @Test func timeoutsGarbageAndWrongCountsAreClearErrors() async throws {
        let stub = try StubProvider()
        await #expect(throws: EmbeddingError.remoteTimeout(seconds: 0.3)) {
            try await stub.embedder("/slow") { $0.timeout = 0.3; $0.maxRetries = 1 }.embed(["zzz"])
        }
        await #expect {
            try await stub.embedder("/garbage").embed(["x"])
        } throws: { error in
            guard case let EmbeddingError.invalidResponse(message) = error else { return false }
            return message.contains("<html>")
        }
        await #expect(throws: EmbeddingError.invalidResponse("1 embeddings for 2 texts")) {
            try await stub.embedder("/wrongcount").embed(["x", "y"])
        }
        await #expect(throws: EmbeddingError.invalidResponse("embedding of dimension 3, expected 4")) {
            try await stub.embedder("/wrongdim").embed(["x"])
        }
    }

    @Test func unreachableProviderIsATransportError() async throws {
        // Port 1 on localhost: nothing listens there.
        let embedder = try RemoteEmbedder(configuration: .init(
            url: "http://127.0.0.1:1/v1/embeddings", model: "m", dimension: 4,
            timeout: 2, maxRetries: 1, initialBackoff: 0.01, maxBackoff: 0.01))
        await #expect {
            try await embedder.embed(["x"])
        } throws: { error in
            if case EmbeddingError.transport = error { return true }
            if case EmbeddingError.remoteTimeout = error { return true }
            return false
        }
    }

    @Test func remoteFailuresLeaveTheCacheEmpty() async throws {
        let stub = try StubProvider()
        let cache = try EmbeddingCache(environment: nil)
        let cached = CachedEmbedder(try stub.embedder("/garbage"), cache: cache)
        await #expect(throws: EmbeddingError.self) { try await cached.embed(["x"]) }
        #expect(cache.statistics.stores == 0 && cache.statistics.memoryEntries == 0)
        let working = CachedEmbedder(try stub.embedder() { $0.task = "retrieval.passage" }, cache: cache)
        #expect(working.task == "retrieval.passage")
        _ = try await working.embed(["x"])
        #expect(cache.statistics.stores == 1)
    }

    @Test func badConfigurationIsRejected() {
        #expect(throws: EmbeddingError.self) { try RemoteEmbedder(configuration: .init(url: "ftp://x", model: "m", dimension: 4)) }
        #expect(throws: EmbeddingError.self) { try RemoteEmbedder(configuration: .init(url: "http://x", model: "m", dimension: 0)) }
        #expect(throws: EmbeddingError.self) { try RemoteEmbedder(configuration: .init(url: "http://x", model: "m", dimension: 4, timeout: 0)) }
    }
}
