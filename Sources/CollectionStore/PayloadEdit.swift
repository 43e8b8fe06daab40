import JSON

/// Setting and removing values at payload paths (`a.b.c`, `list[0].x`, `list[].x`), as Qdrant's
/// `set_payload` with `key` and `delete_payload` apply them.
enum PayloadEdit {
    /// The path's steps with the first key as a step; a key that is not a valid path is one literal key.
    static func steps(_ path: String) -> [PayloadPath.Step] {
        guard let parsed = PayloadPath(path) else { return [.key(path)] }
        return [.key(parsed.firstKey)] + parsed.steps
    }

    /// Merges `values` into the object at `path` (created when missing). An index past the end of an
    /// array changes nothing; a step that meets the wrong kind of value replaces it (an object for a
    /// key, an empty array for an index), as Qdrant does.
    static func set(_ values: [String: JSONValue], at path: String, in payload: [String: JSONValue]) -> [String: JSONValue] {
        setting(values, steps: steps(path)[...], in: .object(payload)).objectValue ?? payload
    }

    private static func setting(_ values: [String: JSONValue], steps: ArraySlice<PayloadPath.Step>, in value: JSONValue?) -> JSONValue {
        guard let step = steps.first else {
            return .object((value?.objectValue ?? [:]).merging(values) { $1 })
        }
        let rest = steps.dropFirst()
        switch step {
        case .key(let key):
            var object = value?.objectValue ?? [:]
            object[key] = setting(values, steps: rest, in: object[key])
            return .object(object)
        case .index(let i):
            guard case .array(var elements)? = value else { return .array([]) }
            if i < elements.count { elements[i] = setting(values, steps: rest, in: elements[i]) }
            return .array(elements)
        case .everyElement:
            guard case .array(let elements)? = value else { return .array([]) }
            return .array(elements.map { setting(values, steps: rest, in: $0) })
        }
    }

    /// Removes the value at `path`. A trailing `[]` empties the array; a trailing index changes
    /// nothing (Qdrant does not delete one element by index); a path that resolves nowhere is a no-op.
    static func remove(_ path: String, from payload: [String: JSONValue]) -> [String: JSONValue] {
        removing(steps: steps(path)[...], from: .object(payload)).objectValue ?? payload
    }

    private static func removing(steps: ArraySlice<PayloadPath.Step>, from value: JSONValue) -> JSONValue {
        guard let step = steps.first else { return value }
        let rest = steps.dropFirst()
        switch (step, value) {
        case (.key(let key), .object(var object)):
            if rest.isEmpty { object.removeValue(forKey: key) }
            else if let child = object[key] { object[key] = removing(steps: rest, from: child) }
            return .object(object)
        case (.index(let i), .array(var elements)):
            if !rest.isEmpty, i < elements.count { elements[i] = removing(steps: rest, from: elements[i]) }
            return .array(elements)
        case (.everyElement, .array(let elements)):
            if rest.isEmpty { return .array([]) }
            return .array(elements.map { removing(steps: rest, from: $0) })
        default:
            return value
        }
    }
}
