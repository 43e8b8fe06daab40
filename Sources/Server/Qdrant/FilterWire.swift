import CollectionStore

// TEMPORARY until the filter model merges.
extension QdrantWire {
    static func decodeFilter(_ value: JSONValue) throws -> Filter {
        throw QdrantError.badRequest("filters are not available yet")
    }
}
