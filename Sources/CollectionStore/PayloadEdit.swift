import JSON

/// Setting and removing values at dotted payload paths (`a.b.c`).
enum PayloadEdit {
    static func set(_ values: [String: JSONValue], at path: String, in payload: [String: JSONValue]) -> [String: JSONValue] {
        let parts = path.split(separator: ".", omittingEmptySubsequences: false).map(String.init)
        return setting(values, parts: parts[...], in: payload)
    }

    private static func setting(_ values: [String: JSONValue], parts: ArraySlice<String>, in object: [String: JSONValue]) -> [String: JSONValue] {
        guard let head = parts.first else { return object.merging(values) { $1 } }
        var result = object
        let child = result[head]?.objectValue ?? [:]
        result[head] = .object(setting(values, parts: parts.dropFirst(), in: child))
        return result
    }

    static func remove(_ path: String, from payload: [String: JSONValue]) -> [String: JSONValue] {
        let parts = path.split(separator: ".", omittingEmptySubsequences: false).map(String.init)
        return removing(parts: parts[...], from: payload)
    }

    private static func removing(parts: ArraySlice<String>, from object: [String: JSONValue]) -> [String: JSONValue] {
        guard let head = parts.first else { return object }
        var result = object
        if parts.count == 1 {
            result.removeValue(forKey: head)
        } else if let child = result[head]?.objectValue {
            result[head] = .object(removing(parts: parts.dropFirst(), from: child))
        }
        return result
    }
}
