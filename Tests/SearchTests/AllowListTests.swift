import Testing
@testable import Search

@Suite("AllowList")
struct AllowListTests {
    @Test("insert, remove, count and membership agree with a Set")
    func membership() {
        var list = AllowList(capacity: 200)
        var reference = Set<UInt32>()
        for id in [0, 1, 63, 64, 65, 127, 128, 199, 64, 1] as [UInt32] {
            list.insert(id)
            reference.insert(id)
        }
        list.remove(63)
        reference.remove(63)
        list.remove(150)  // absent: no change
        #expect(list.count == reference.count)
        #expect(list.ids == reference.sorted())
        for id in 0..<UInt32(260) { #expect(list.allows(id) == reference.contains(id)) }
    }

    @Test("set algebra keeps bits past capacity clear")
    func algebra() {
        var a = AllowList(capacity: 70, ids: [1, 2, 3, 69])
        let b = AllowList(capacity: 70, ids: [2, 3, 4])
        var union = a
        union.formUnion(b)
        #expect(union.ids == [1, 2, 3, 4, 69])
        a.formIntersection(b)
        #expect(a.ids == [2, 3])
        var inverted = AllowList(capacity: 70, ids: [0, 5])
        inverted.invert()
        #expect(inverted.count == 68)
        #expect(!inverted.allows(0) && inverted.allows(1) && inverted.allows(69) && !inverted.allows(70))
    }
}
