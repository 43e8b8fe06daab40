import Documents
import Foundation
import Testing

/// Corrupted copies of every fixture (bytes flipped, cut short, spliced) never crash or hang extraction: each
/// either extracts or fails with a DocumentError.
@Suite struct MutationTests {
    /// Mutations per fixture and the seed; `DOCUMENTS_MUTATIONS=2000 DOCUMENTS_MUTATION_SEED=7` runs a longer search.
    static let count = Int(ProcessInfo.processInfo.environment["DOCUMENTS_MUTATIONS"] ?? "") ?? 40
    static let seed = UInt64(ProcessInfo.processInfo.environment["DOCUMENTS_MUTATION_SEED"] ?? "") ?? 14

    @Test("seeded corruptions of each fixture end in a document or a DocumentError")
    func mutations() throws {
        var random = SplitMix(seed: Self.seed)
        var outcomes: [String: Int] = [:]
        for (name, format) in [("report.pdf", DocumentFormat.pdf), ("handbook.docx", .docx), ("slides.pptx", .pptx),
                               ("guide.html", .html), ("notes.md", .markdown), ("plain.txt", .text)] {
            let original = try TestSupport.fixture(name)
            for _ in 0..<Self.count {
                var data = original
                switch random.next() % 3 {
                case 0:  // flip a few bytes
                    for _ in 0..<(1 + random.next() % 8) {
                        let index = Int(random.next() % UInt64(data.count))
                        data[index] ^= UInt8(truncatingIfNeeded: random.next() | 1)
                    }
                case 1:  // cut short
                    data = data.prefix(Int(random.next() % UInt64(data.count)))
                default:  // repeat a slice in the middle
                    let start = Int(random.next() % UInt64(data.count))
                    let length = Int(random.next() % 4096)
                    let slice = data[start..<min(data.count, start + length)]
                    data.insert(contentsOf: slice, at: data.index(data.startIndex, offsetBy: start))
                }
                let outcome = TestSupport.documentError { () throws(DocumentError) in
                    _ = try DocumentExtractor().extract(data, as: format)
                }
                outcomes[outcome.map { "\($0)".prefix(24).description } ?? "extracted", default: 0] += 1
            }
        }
        print("mutation outcomes:", outcomes.sorted { $0.key < $1.key })
        #expect(outcomes.values.reduce(0, +) == 6 * Self.count)
    }
}

/// A small seeded generator (SplitMix64), so failures reproduce.
struct SplitMix {
    var state: UInt64
    init(seed: UInt64) { state = seed }
    mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }
}
