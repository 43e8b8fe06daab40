import Testing
@testable import Search

@Suite("Posting list")
struct PostingListTests {
    @Test("random appends, inserts, overwrites and removals keep the invariants and the contents")
    func randomOperations() {
        var random = SeededRandom(seed: 7)
        for round in 0..<4 {
            let list = PostingList()
            var reference: [UInt32: Float] = [:]
            let span: UInt32 = round.isMultiple(of: 2) ? 2_000 : 400_000  // dense ids, and ids beyond 16-bit frames
            for _ in 0..<3_000 {
                let id = UInt32.random(in: 0..<span, using: &random)
                let weight = Float(Int.random(in: -5...20, using: &random))
                if Int.random(in: 0..<4, using: &random) == 0 {
                    #expect(list.remove(id: id, auxOf: { _ in 0 }) == (reference.removeValue(forKey: id) != nil))
                } else {
                    list.insert(id: id, weight: weight, aux: 0, auxOf: { _ in 0 })
                    reference[id] = weight
                }
            }
            #expect(list.validate() == nil)
            let expected = reference.sorted { $0.key < $1.key }
            #expect(list.entries.map(\.id) == expected.map(\.key))
            #expect(list.entries.map(\.weight) == expected.map(\.value))
            #expect(list.count == reference.count)
            for (id, weight) in reference.prefix(50) { #expect(list.weight(of: id) == weight) }
        }
    }

    @Test("appends in id order fill blocks of 128 and start a block when the 16-bit frame would overflow")
    func blocks() {
        let list = PostingList()
        for id in 0..<UInt32(300) { list.append(id: id, weight: 1, aux: 0) }
        list.append(id: 1_000_000, weight: 2, aux: 0)
        #expect(list.blockCount == 4)
        #expect(list.validate() == nil)
        #expect(list.lastID == 1_000_000)
    }
}
