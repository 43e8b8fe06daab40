import Documents
import Foundation
import Testing

/// Name-based UUIDs (RFC 9562 §5.5) against the RFC's example and Python's `uuid.uuid5`.
@Suite struct UUIDv5Tests {
    @Test("RFC 9562 appendix A.4: www.example.com in the DNS namespace")
    func rfcExample() {
        #expect(UUID(version5Name: "www.example.com", namespace: .dnsNamespace).uuidString.lowercased()
            == "2ed6657d-e927-568b-95e1-2665a8aea6a2")
    }

    @Test("matches Python's uuid.uuid5 for URL and non-ASCII names")
    func pythonVectors() {
        #expect(UUID(version5Name: "https://www.example.com/", namespace: .urlNamespace).uuidString.lowercased()
            == "3d3ed9d2-aa3d-5fa6-90e8-ed662e90f559")
        #expect(UUID(version5Name: "数据库", namespace: .dnsNamespace).uuidString.lowercased()
            == "aa875763-3318-5b48-8ac4-e6df3478d177")
    }

    @Test("version 5 and RFC variant bits are set")
    func versionAndVariant() {
        for name in ["", "a", "chunk", String(repeating: "x", count: 1000)] {
            let uuid = UUID(version5Name: name, namespace: .urlNamespace).uuid
            #expect(uuid.6 >> 4 == 5)
            #expect(uuid.8 >> 6 == 0b10)
        }
    }

    @Test("chunk ids: the documented namespace and name layout, as Python computes them")
    func chunkIDs() throws {
        #expect(Chunk.idNamespace.uuidString.lowercased() == "6d63d7f4-50a7-5f4b-b398-45fb80782edf")
        let file = try #require(UUID(uuidString: "0f8e2a44-5b7c-4d1e-9a3b-2c6d8e0f1a2b"))
        #expect(Chunk.id(fileID: file, level: .parent, position: 0).uuidString.lowercased()
            == "a09eaf67-cd93-515e-9f45-183565dba9bf")
        #expect(Chunk.id(fileID: file, level: .child, position: 0).uuidString.lowercased()
            == "c39a9215-d0ce-555b-ac0d-fa860aba187e")
        #expect(Chunk.id(fileID: file, level: .child, position: 3).uuidString.lowercased()
            == "828881d8-338f-5a08-aabe-fea73c69a31d")
        #expect(Chunk.id(fileID: file, level: .child, position: 12345).uuidString.lowercased()
            == "fe62d083-a110-5391-9fd0-1e49c09dde49")
    }
}
