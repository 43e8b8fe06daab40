import Foundation
import Testing

@testable import JSON

@Suite("UUID text and the direct writers")
struct UUIDTextTests {
    @Test("lowercasedString and writeLowercased print exactly Foundation's uuidString in lower case")
    func printing() {
        var ids = (0..<1000).map { _ in UUID() }
        ids.append(UUID(uuid: (0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0)))
        ids.append(UUID(uuid: (255, 255, 255, 255, 255, 255, 255, 255, 255, 255, 255, 255, 255, 255, 255, 255)))
        for id in ids {
            #expect(id.lowercasedString == id.uuidString.lowercased())
            var out: [UInt8] = [UInt8(ascii: "x")]
            id.writeLowercased(into: &out)
            #expect(out == [UInt8(ascii: "x")] + Array(id.uuidString.lowercased().utf8))
        }
    }

    @Test("UUIDs parse in either case, and nothing but the 8-4-4-4-12 hex form does")
    func parsing() {
        for _ in 0..<1000 {
            let id = UUID()
            #expect(UUID(hexString: id.uuidString) == id)
            #expect(UUID(hexString: id.lowercasedString) == id)
        }
        for bad in ["", "123", "00000000-0000-0000-0000-00000000000", "00000000-0000-0000-0000-0000000000000",
                    "00000000x0000-0000-0000-000000000000", "0000000g-0000-0000-0000-000000000000",
                    "000000000-000-0000-0000-000000000000", "{00000000-0000-0000-0000-000000000000}",
                    "00000000-0000-0000-0000-00000000000é"] {
            #expect(UUID(hexString: bad) == nil, "\(bad)")
        }
    }

    @Test("writeString escapes quotes, backslashes and every control byte, copies the rest, and parses back")
    func stringEscapes() throws {
        var samples = ["", "plain", "\"", "\\", "a\"b\\c", "tab\there", "line\nbreak\r", "ünïcødé ✓ 𝄞", "end\u{7F}"]
        samples.append(String(decoding: (0..<0x20).map { UInt8($0) }, as: UTF8.self))
        samples.append(String(repeating: "long run of safe bytes ", count: 50) + "\u{01}")
        for sample in samples {
            var out: [UInt8] = []
            JSONText.writeString(sample, into: &out)
            #expect(!out.dropFirst().dropLast().contains { $0 < 0x20 }, "a raw control byte in \(out)")
            #expect(try JSONText.parse(out) == .string(sample), "\(sample.debugDescription)")
        }
        var out: [UInt8] = []
        JSONText.writeString("\u{01}\"\n", into: &out)
        #expect(String(decoding: out, as: UTF8.self) == #""\u0001\"\n""#)
    }

    @Test("JSONObjectWriter writes members in order, nulls for nil, and parses as the same object")
    func objectWriter() throws {
        let id = UUID()
        var object = JSONObjectWriter()
        object.uuid("id", id)
        object.string("title", "A \"quoted\" title\n")
        object.string("missing", nil)
        object.uuid("noOwner", nil)
        object.json("settings", .object(["depth": .array([.int(1), .bool(true)])]))
        object.json("progress", nil)
        object.wire("score", .float(0.5))
        guard case .raw(let text) = object.finish() else {
            Issue.record("expected raw text")
            return
        }
        let parsed = try JSONText.parse(text)
        #expect(parsed == .object([
            "id": .string(id.lowercasedString), "title": .string("A \"quoted\" title\n"), "missing": .null, "noOwner": .null,
            "settings": .object(["depth": .array([.int(1), .bool(true)])]), "progress": .null, "score": .double(0.5),
        ]))
        #expect(String(decoding: text, as: UTF8.self).hasPrefix("{\"id\":\"\(id.lowercasedString)\",\"title\":"))
        #expect(WireValue.array([JSONObjectWriter().finish()]).bytes == Array("[{}]".utf8))
    }
}
