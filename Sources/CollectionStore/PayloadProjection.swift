import JSON

/// Payload selectors (`with_payload` include / exclude) on nested keys, the way Qdrant applies them.
///
/// The keys are merged into a prefix tree: `a.b`, `c[]`, `d[0]` → `{a: {b: ✓}, c: {[]: ✓}, d: {[0]: ✓}}`,
/// where ✓ selects everything below; a shorter key wins over a longer one under it. Only `[]` applies
/// to array elements (`a[0]` selects nothing, as in Qdrant); a scalar under a longer key is kept whole.
struct PayloadSelectorTree: Sendable, Equatable {
    enum Edge: Hashable, Sendable {
        case key(String)
        case every
        case index(Int)
    }

    /// nil: everything below is selected.
    var children: [Edge: PayloadSelectorTree]?

    static let everything = PayloadSelectorTree(children: nil)

    /// Builds the tree of `keys`; a key that is not a valid payload path selects that literal top-level key.
    init(keys: [String]) {
        var root = PayloadSelectorTree(children: [:])
        for key in keys {
            var edges: [Edge] = []
            if let path = PayloadPath(key) {
                edges.append(.key(path.firstKey))
                for step in path.steps {
                    switch step {
                    case .key(let k): edges.append(.key(k))
                    case .index(let i): edges.append(.index(i))
                    case .everyElement: edges.append(.every)
                    }
                }
            } else {
                edges = [.key(key)]
            }
            root.insert(edges[...])
        }
        self = root
    }

    private init(children: [Edge: PayloadSelectorTree]?) { self.children = children }

    private mutating func insert(_ edges: ArraySlice<Edge>) {
        guard children != nil else { return }  // already selects everything below
        guard let first = edges.first else { children = nil; return }
        var child = children?[first] ?? PayloadSelectorTree(children: [:])
        if edges.count == 1 { child = .everything } else { child.insert(edges.dropFirst()) }
        children?[first] = child
    }

    func include(_ payload: [String: JSONValue]) -> [String: JSONValue] {
        guard let children else { return payload }
        var out: [String: JSONValue] = [:]
        for (key, value) in payload {
            guard let sub = children[.key(key)] else { continue }
            out[key] = sub.include(value)
        }
        return out
    }

    func include(_ value: JSONValue) -> JSONValue {
        guard let children else { return value }
        switch value {
        case .object(let fields): return .object(include(fields))
        case .array(let elements):
            guard let sub = children[.every] else { return .array([]) }
            return .array(elements.map { sub.include($0) })
        default: return value
        }
    }

    func exclude(_ payload: [String: JSONValue]) -> [String: JSONValue] {
        guard let children else { return [:] }
        var out: [String: JSONValue] = [:]
        for (key, value) in payload {
            guard let sub = children[.key(key)] else { out[key] = value; continue }
            if sub.children != nil { out[key] = sub.exclude(value) }
        }
        return out
    }

    func exclude(_ value: JSONValue) -> JSONValue {
        guard let children else { return value }
        switch value {
        case .object(let fields): return .object(exclude(fields))
        case .array(let elements):
            guard let sub = children[.every] else { return value }
            guard sub.children != nil else { return .array([]) }
            return .array(elements.map { sub.exclude($0) })
        default: return value
        }
    }
}
