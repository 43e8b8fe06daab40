import CollectionStore

// TEMPORARY until payload indexes merge: no indexes yet, so the schema is empty.
extension QdrantRoutes {
    func payloadSchemaWire(_ collection: VectorCollection) -> WireValue { .object([]) }
}
