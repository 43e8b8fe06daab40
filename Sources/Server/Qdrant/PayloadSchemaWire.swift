import JSON
import CollectionStore

extension QdrantRoutes {
    /// `payload_schema` of CollectionInfo: `{field: {data_type, params?, points}}`.
    func payloadSchemaWire(_ collection: VectorCollection) -> WireValue {
        let schema = collection.payloadSchema
        return .object(schema.keys.sorted().map { field in
            let info = schema[field]!
            var entry: [(String, WireValue)] = [("data_type", .string(info.dataType.rawValue))]
            if let params = info.params { entry.append(("params", .json(.object(params)))) }
            entry.append(("points", .int(info.points)))
            return (field, .object(entry))
        })
    }
}
