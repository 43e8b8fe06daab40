import JSON
import Foundation

/// The index of one payload field: its values' postings plus, for every point, whether the field
/// is non-empty or holds a `null` (so `is_empty` / `is_null` are answered whatever the type).
///
/// Invariant: `keys[id]` lists exactly what `id` contributed to the postings, so an update can
/// take it out again without the old payload.
final class FieldIndex {
    let name: String
    let path: PayloadPath
    let schema: PayloadFieldSchema

    /// What one point contributed (deduplicated).
    enum Key: Hashable {
        case string(String)
        case int(Int64)
        case bool(Bool)
        case token(String)
    }

    private var keys: [Contribution<Key>] = []
    /// Only numeric indexes fill this (others leave it empty).
    private var numbers: [Contribution<Double>] = []
    /// Only geo indexes fill this: each point's geo points, whose Morton codes are in `sortedNumbers`.
    private var geoPoints: [Contribution<GeoPoint>] = []
    /// Geo points off the globe (a payload's coordinates are not range-checked): always candidates.
    private var offGlobe: Set<UInt32> = []
    private var flags: [UInt8] = []
    private static let nonEmptyFlag: UInt8 = 1, nullFlag: UInt8 = 2, indexedFlag: UInt8 = 4, multiStringFlag: UInt8 = 8

    private var strings = PostingLists<String>()
    private var ints = PostingLists<Int64>()
    private var bools = PostingLists<Bool>()
    private var tokens = PostingLists<String>()
    private var sortedNumbers = SortedNumbers()

    /// Points with at least one value of the index's type (`payload_schema.points`).
    private(set) var indexedPoints = 0
    /// Points whose field is not empty (some value that is neither `null` nor `[]`).
    private(set) var nonEmptyPoints = 0
    /// Points whose field resolves to a `null` somewhere.
    private(set) var nullPoints = 0
    /// Points whose field holds more than one string. A text index keeps one token set per point,
    /// but `match.text` must match within one string, so with such points its answer is a superset.
    private(set) var multiStringPoints = 0

    init(name: String, path: PayloadPath, schema: PayloadFieldSchema) {
        self.name = name
        self.path = path
        self.schema = schema
    }

    var type: PayloadSchemaType { schema.type }
    private var isNumeric: Bool { type == .integer || type == .float || type == .datetime }
    private var isGeo: Bool { type == .geo }

    // MARK: Writing

    /// Replaces what `id` contributes with what `payload` holds (nil: the point is gone).
    func update(id: UInt32, payload: [String: JSONValue]?) {
        let slot = Int(id)
        guard let payload else {
            if slot < flags.count { removeContribution(of: id) }
            return
        }
        if slot >= flags.count {
            keys.append(contentsOf: repeatElement(.none, count: slot + 1 - keys.count))
            if isNumeric { numbers.append(contentsOf: repeatElement(.none, count: slot + 1 - numbers.count)) }
            if isGeo { geoPoints.append(contentsOf: repeatElement(.none, count: slot + 1 - geoPoints.count)) }
            flags.append(contentsOf: repeatElement(0, count: slot + 1 - flags.count))
        }

        var flag: UInt8 = 0
        var newKeys: [Key] = []
        var newNumbers: [Double] = []
        var newGeo: [GeoPoint] = []
        var stringCount = 0
        path.forEachValue(in: payload) { value in
            switch value {
            case .null: break
            case .array(let elements) where elements.isEmpty: break
            default: flag |= Self.nonEmptyFlag
            }
            if value.isNullOrHoldsNull { flag |= Self.nullFlag }
            value.forEachFlattened { element in
                if case .string = element { stringCount += 1 }
                if isGeo {
                    if let p = GeoPoint(payload: element) { newGeo.append(p) }
                } else {
                    collect(element, into: &newKeys, numbers: &newNumbers)
                }
            }
        }
        if type == .text, stringCount > 1 { flag |= Self.multiStringFlag }
        newKeys = newKeys.uniqued()
        newNumbers = newNumbers.uniqued()
        newGeo = newGeo.uniqued()
        let indexed: Bool = switch type {
        case .float, .datetime: !newNumbers.isEmpty
        case .geo: !newGeo.isEmpty
        case .integer: newKeys.contains { if case .int = $0 { true } else { false } }
        default: !newKeys.isEmpty
        }
        if indexed { flag |= Self.indexedFlag }
        // A payload change elsewhere (set_payload of another key) leaves this field as it was.
        let contributedKeys = Contribution(newKeys)
        let contributedNumbers = Contribution(newNumbers)
        let contributedGeo = Contribution(newGeo)
        if flag == flags[slot], contributedKeys == keys[slot], !isNumeric || contributedNumbers == numbers[slot],
           !isGeo || contributedGeo == geoPoints[slot] { return }
        removeContribution(of: id)

        for key in newKeys {
            switch key {
            case .string(let s): strings.insert(id, for: s)
            case .int(let i): ints.insert(id, for: i)
            case .bool(let b): bools.insert(id, for: b)
            case .token(let t): tokens.insert(id, for: t)
            }
        }
        sortedNumbers.insert(id, values: newNumbers)
        if isGeo, !newGeo.isEmpty {
            sortedNumbers.insert(id, values: newGeo.map { Double(MortonGrid.code($0)) })
            if !newGeo.allSatisfy(\.isValid) { offGlobe.insert(id) }
            geoPoints[slot] = contributedGeo
        }
        keys[slot] = contributedKeys
        if isNumeric { numbers[slot] = contributedNumbers }
        flags[slot] = flag
        count(flag, sign: 1)
    }

    private func removeContribution(of id: UInt32) {
        let slot = Int(id)
        keys[slot].forEach { key in
            switch key {
            case .string(let s): strings.remove(id, for: s)
            case .int(let i): ints.remove(id, for: i)
            case .bool(let b): bools.remove(id, for: b)
            case .token(let t): tokens.remove(id, for: t)
            }
        }
        if isNumeric, !numbers[slot].isEmpty { sortedNumbers.remove(id) }
        if isGeo, !geoPoints[slot].isEmpty {
            sortedNumbers.remove(id)
            offGlobe.remove(id)
            geoPoints[slot] = .none
        }
        count(flags[slot], sign: -1)
        keys[slot] = .none
        if isNumeric { numbers[slot] = .none }
        flags[slot] = 0
    }

    private func count(_ flag: UInt8, sign: Int) {
        if flag & Self.indexedFlag != 0 { indexedPoints += sign }
        if flag & Self.nonEmptyFlag != 0 { nonEmptyPoints += sign }
        if flag & Self.nullFlag != 0 { nullPoints += sign }
        if flag & Self.multiStringFlag != 0 { multiStringPoints += sign }
    }

    /// The index keys of one scalar payload value, by index type.
    private func collect(_ value: JSONValue, into keys: inout [Key], numbers: inout [Double]) {
        switch (type, value) {
        case (.keyword, .string(let s)):
            keys.append(.string(s))
        case (.uuid, .string(let s)):
            if Self.isUUID(s) { keys.append(.string(s)) }
        case (.integer, _), (.float, _):
            // Every number goes to the range index (so `range` needs no payload look-up);
            // integers also to the exact-match postings of an integer index.
            if let x = value.numberValue, !x.isNaN { numbers.append(x) }
            if type == .integer, let i = value.exactInt64 { keys.append(.int(i)) }
        case (.bool, .bool(let b)):
            keys.append(.bool(b))
        case (.text, .string(let s)):
            for t in TextTokenizer.tokens(of: s) { keys.append(.token(t)) }
        case (.datetime, .string(let s)):
            if let micros = DateTime.microseconds(s) { numbers.append(Double(micros)) }
        default:
            break
        }
    }

    /// The Morton code ranges (as `NumberRange`s over `sortedNumbers`) covering a geo shape's bounds.
    private static func codeRanges(_ shape: GeoShape) -> [NumberRange] {
        shape.bounds.flatMap { MortonGrid.ranges(covering: $0) }.map {
            NumberRange(gte: Double($0.lowerBound), lte: Double($0.upperBound))
        }
    }

    static func isUUID(_ s: String) -> Bool {
        if case .uuid? = PointID(s) { true } else { false }
    }

    // MARK: Reading

    /// How `forEachMatch` answered.
    enum Answer {
        /// The ids reported are exactly the matching points.
        case exact
        /// Every matching point was reported, and maybe others: check each one.
        case superset
        /// This index cannot answer; nothing was reported.
        case none
    }

    /// Calls `body` with the ids matching `predicate` (in no order, possibly repeated).
    func forEachMatch(_ predicate: FieldPredicate, _ body: (UInt32) -> Void) -> Answer {
        switch (type, predicate) {
        case (.keyword, .match(.value(.keyword(let s)))):
            strings[s]?.forEach(body)
        case (.uuid, .match(.value(.keyword(let s)))):
            guard Self.isUUID(s) else { return .none }
            strings[s]?.forEach(body)
        case (.keyword, .match(.any(.keywords(let list)))):
            for s in list { strings[s]?.forEach(body) }
        case (.uuid, .match(.any(.keywords(let list)))):
            guard list.allSatisfy(Self.isUUID) else { return .none }
            for s in list { strings[s]?.forEach(body) }
        case (.integer, .match(.value(.integer(let n)))):
            ints[n]?.forEach(body)
        case (.integer, .match(.any(.integers(let list)))):
            for n in list { ints[n]?.forEach(body) }
        case (.bool, .match(.value(.bool(let b)))):
            bools[b]?.forEach(body)
        case (.integer, .range(let range)), (.float, .range(let range)):
            sortedNumbers.forEachID(in: range, body)
        case (.datetime, .datetimeRange(let range)):
            sortedNumbers.forEachID(in: range.asNumberRange, body)
        case (.geo, .geo(let shape)):
            // Candidates from the cells covering the shape, then each point's own coordinates decide.
            let check = { (id: UInt32) in
                let slot = Int(id)
                var inside = false
                if slot < self.geoPoints.count { self.geoPoints[slot].forEach { p in if !inside, shape.contains(p) { inside = true } } }
                if inside { body(id) }
            }
            for range in Self.codeRanges(shape) { sortedNumbers.forEachID(in: range, check) }
            offGlobe.forEach(check)
        case (.text, .match(.text(let text))):
            let wanted = Array(Set(TextTokenizer.tokens(of: text)))
            let lists = wanted.map { tokens[$0] ?? PostingList() }.sorted { $0.count < $1.count }
            guard let shortest = lists.first else { return .exact }  // no query token: no match
            let others = lists.dropFirst()
            shortest.forEach { id in if others.allSatisfy({ $0.contains(id) }) { body(id) } }
            return multiStringPoints == 0 ? .exact : .superset
        default:
            return .none
        }
        return .exact
    }

    /// How many ids `forEachMatch` would report, without visiting them: exact for a single-value
    /// look-up, otherwise an upper bound (a point may hold several matching values). Nil when this
    /// index cannot answer `predicate`.
    func matchCount(_ predicate: FieldPredicate) -> (count: Int, exact: Bool)? {
        func sum<K>(_ lists: PostingLists<K>, _ keys: [K]) -> Int { keys.reduce(0) { $0 + (lists[$1]?.count ?? 0) } }
        switch (type, predicate) {
        case (.keyword, .match(.value(.keyword(let s)))):
            return (strings[s]?.count ?? 0, true)
        case (.uuid, .match(.value(.keyword(let s)))):
            return Self.isUUID(s) ? (strings[s]?.count ?? 0, true) : nil
        case (.keyword, .match(.any(.keywords(let list)))):
            return (sum(strings, list), list.count <= 1)
        case (.uuid, .match(.any(.keywords(let list)))):
            return list.allSatisfy(Self.isUUID) ? (sum(strings, list), list.count <= 1) : nil
        case (.integer, .match(.value(.integer(let n)))):
            return (ints[n]?.count ?? 0, true)
        case (.integer, .match(.any(.integers(let list)))):
            return (sum(ints, list), list.count <= 1)
        case (.bool, .match(.value(.bool(let b)))):
            return (bools[b]?.count ?? 0, true)
        case (.integer, .range(let range)), (.float, .range(let range)):
            return (sortedNumbers.count(in: range), false)
        case (.datetime, .datetimeRange(let range)):
            return (sortedNumbers.count(in: range.asNumberRange), false)
        case (.geo, .geo(let shape)):
            return (Self.codeRanges(shape).reduce(offGlobe.count) { $0 + sortedNumbers.count(in: $1) }, false)
        case (.text, .match(.text(let text))):
            let wanted = Set(TextTokenizer.tokens(of: text))
            return (wanted.map { tokens[$0]?.count ?? 0 }.min() ?? 0, wanted.count <= 1 && multiStringPoints == 0)
        default:
            return nil
        }
    }

    /// Calls `body` with every id whose field is not empty (`nonEmpty`) or holds a null (`!nonEmpty`).
    func forEachFlagged(nonEmpty: Bool, _ body: (UInt32) -> Void) {
        let mask = nonEmpty ? Self.nonEmptyFlag : Self.nullFlag
        flags.withUnsafeBufferPointer { f in
            for i in f.indices where f[i] & mask != 0 { body(UInt32(i)) }
        }
    }
}

extension Array where Element: Hashable {
    /// The elements without repeats, in first-occurrence order (so equal inputs give equal outputs).
    func uniqued() -> [Element] {
        guard count > 1 else { return self }
        if count <= 8 {
            var out: [Element] = []
            out.reserveCapacity(count)
            for e in self where !out.contains(e) { out.append(e) }
            return out
        }
        var seen = Set<Element>(minimumCapacity: count)
        return filter { seen.insert($0).inserted }
    }
}

/// What one point contributed to an index: almost always nothing or one value, kept inline so a
/// point costs no allocation per index.
enum Contribution<Element: Hashable>: Equatable {
    case none
    case one(Element)
    case many([Element])

    init(_ elements: [Element]) {
        switch elements.count {
        case 0: self = .none
        case 1: self = .one(elements[0])
        default: self = .many(elements)
        }
    }

    var isEmpty: Bool { if case .none = self { true } else { false } }

    func forEach(_ body: (Element) -> Void) {
        switch self {
        case .none: break
        case .one(let e): body(e)
        case .many(let all): all.forEach(body)
        }
    }
}
