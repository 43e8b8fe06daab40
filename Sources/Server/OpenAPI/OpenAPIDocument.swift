import CollectionStore
import JSON

/// The OpenAPI 3.0 description of the Qdrant routes this server answers, served at `GET /openapi.json`.
///
/// Modelled on Qdrant's own schema (same paths, parameter names and component names, so the
/// generated clients and fuzzers that know Qdrant know this), restricted to what is implemented,
/// with the limits the engine enforces written in as `minimum`/`maximum`. CI runs schemathesis
/// against it (`Tests/fuzz/schemathesis.sh`): every generated request must get a non-5xx answer.
enum OpenAPIDocument {
    static let bytes: [UInt8] = JSONText.serialize(document)

    static var document: JSONValue {
        [
            "openapi": "3.0.3",
            "info": [
                "title": "CampusSearch (Qdrant-compatible REST API)",
                "version": .string(QdrantAPI.version),
                "description": "The Qdrant REST routes CampusSearch serves. Errors use Qdrant's envelope {\"status\":{\"error\"},\"time\"}.",
            ],
            "paths": .object(paths),
            "components": ["schemas": .object(schemas)],
        ]
    }

    // MARK: Paths

    static var paths: [String: JSONValue] {
        let c = "/collections/{collection_name}"
        return [
            "/": ["get": operation("root", tags: ["service"], result: ref("VersionInfo"))],
            "/healthz": ["get": textOperation("healthz")],
            "/livez": ["get": textOperation("livez")],
            "/readyz": ["get": textOperation("readyz")],
            "/metrics": ["get": textOperation("metrics")],
            "/collections": ["get": operation("get_collections", tags: ["collections"], result: ref("CollectionsResponse"))],
            c: [
                "get": operation("get_collection", parameters: [collectionName], result: ["type": "object"]),
                "put": operation("create_collection", parameters: [collectionName, timeout], body: ref("CreateCollection"), result: ["type": "boolean"]),
                "delete": operation("delete_collection", parameters: [collectionName, timeout], result: ["type": "boolean"]),
            ],
            "\(c)/exists": ["get": operation("collection_exists", parameters: [collectionName], result: ref("CollectionExistence"))],
            "\(c)/index": ["put": operation("create_field_index", parameters: [collectionName, wait], body: ref("CreateFieldIndex"), result: ref("UpdateResult"))],
            "\(c)/index/{field_name}": [
                "delete": operation("delete_field_index", parameters: [collectionName, pathString("field_name"), wait], result: ref("UpdateResult")),
            ],
            "\(c)/points": [
                "put": operation("upsert_points", parameters: [collectionName, wait], body: ref("PointInsertOperations"), result: ref("UpdateResult")),
                "post": operation("get_points", parameters: [collectionName], body: ref("PointRequest"), result: ["type": "array", "items": ref("Record")]),
            ],
            "\(c)/points/{id}": ["get": operation("get_point", parameters: [collectionName, pointIDParameter], result: ref("Record"))],
            "\(c)/points/delete": ["post": operation("delete_points", parameters: [collectionName, wait], body: ref("PointsSelector"), result: ref("UpdateResult"))],
            "\(c)/points/payload": [
                "post": operation("set_payload", parameters: [collectionName, wait], body: ref("SetPayload"), result: ref("UpdateResult")),
                "put": operation("overwrite_payload", parameters: [collectionName, wait], body: ref("SetPayload"), result: ref("UpdateResult")),
            ],
            "\(c)/points/payload/delete": ["post": operation("delete_payload", parameters: [collectionName, wait], body: ref("DeletePayload"), result: ref("UpdateResult"))],
            "\(c)/points/payload/clear": ["post": operation("clear_payload", parameters: [collectionName, wait], body: ref("PointsSelector"), result: ref("UpdateResult"))],
            "\(c)/points/scroll": ["post": operation("scroll_points", parameters: [collectionName], body: ref("ScrollRequest"), result: ["type": "object"])],
            "\(c)/points/count": ["post": operation("count_points", parameters: [collectionName], body: ref("CountRequest"), result: ref("CountResult"))],
            "\(c)/points/query": ["post": operation("query_points", parameters: [collectionName], body: ref("QueryRequest"), result: ref("QueryResponse"))],
            "\(c)/points/query/batch": [
                "post": operation("query_batch_points", parameters: [collectionName], body: ref("QueryRequestBatch"), result: ["type": "array", "items": ref("QueryResponse")]),
            ],
            "\(c)/points/search": [
                "post": operation("search_points", parameters: [collectionName], body: ref("SearchRequest"), result: ["type": "array", "items": ref("ScoredPoint")]),
            ],
            "\(c)/points/search/batch": [
                "post": operation("search_batch_points", parameters: [collectionName], body: ref("SearchRequestBatch"),
                                  result: ["type": "array", "items": ["type": "array", "items": ref("ScoredPoint")]]),
            ],
            "\(c)/points/search/matrix/pairs": [
                "post": operation("search_matrix_pairs", parameters: [collectionName], body: ref("SearchMatrixRequest"), result: ["type": "object"]),
            ],
            "\(c)/points/search/matrix/offsets": [
                "post": operation("search_matrix_offsets", parameters: [collectionName], body: ref("SearchMatrixRequest"), result: ["type": "object"]),
            ],
        ]
    }

    static let collectionName: JSONValue = [
        "name": "collection_name", "in": "path", "required": true, "description": "Name of the collection",
        "schema": ["type": "string", "minLength": 1, "maxLength": 255],
    ]
    static let wait: JSONValue = [
        "name": "wait", "in": "query", "required": false,
        "description": "If true, wait until the change is searchable; otherwise answer after the durable commit",
        "schema": ["type": "boolean"],
    ]
    static let timeout: JSONValue = ["name": "timeout", "in": "query", "required": false, "schema": ["type": "integer"]]
    static let pointIDParameter: JSONValue = [
        "name": "id", "in": "path", "required": true, "description": "Id of the point", "schema": ref("ExtendedPointId"),
    ]

    static func pathString(_ name: String) -> JSONValue {
        ["name": .string(name), "in": "path", "required": true, "schema": ["type": "string"]]
    }

    static func ref(_ name: String) -> JSONValue { ["$ref": .string("#/components/schemas/\(name)")] }

    static func operation(_ id: String, tags: [JSONValue] = ["points"], parameters: [JSONValue] = [], body: JSONValue? = nil, result: JSONValue) -> JSONValue {
        var fields: [String: JSONValue] = [
            "operationId": .string(id), "tags": .array(tags),
            "responses": [
                "200": [
                    "description": "successful operation",
                    "content": ["application/json": ["schema": [
                        "type": "object",
                        "properties": ["time": ["type": "number"], "status": ["type": "string"], "result": result],
                    ]]],
                ],
                "4XX": ["description": "error", "content": ["application/json": ["schema": ref("ErrorResponse")]]],
            ],
        ]
        if !parameters.isEmpty { fields["parameters"] = .array(parameters) }
        if let body { fields["requestBody"] = ["required": true, "content": ["application/json": ["schema": body]]] }
        return .object(fields)
    }

    static func textOperation(_ id: String) -> JSONValue {
        [
            "operationId": .string(id), "tags": ["service"],
            "responses": ["200": ["description": "ok", "content": ["text/plain": ["schema": ["type": "string"]]]], "4XX": ["description": "error"]],
        ]
    }

    // MARK: Schemas

    static func object(_ properties: [String: JSONValue], required: [String] = []) -> JSONValue {
        var fields: [String: JSONValue] = ["type": "object", "properties": .object(properties)]
        if !required.isEmpty { fields["required"] = .array(required.map { .string($0) }) }
        return .object(fields)
    }

    static func integer(_ minimum: Int64, _ maximum: Int64? = nil) -> JSONValue {
        var fields: [String: JSONValue] = ["type": "integer", "minimum": .int(minimum)]
        if let maximum { fields["maximum"] = .int(maximum) }
        return .object(fields)
    }

    static func map(_ values: JSONValue) -> JSONValue { ["type": "object", "additionalProperties": values] }
    static func array(_ items: JSONValue) -> JSONValue { ["type": "array", "items": items] }
    static func oneOf(_ alternatives: JSONValue...) -> JSONValue { ["anyOf": .array(alternatives)] }
    static let number: JSONValue = ["type": "number"]
    static let boolean: JSONValue = ["type": "boolean"]
    static let string: JSONValue = ["type": "string"]
    static let dateTime: JSONValue = ["type": "string", "format": "date-time"]
    static let payload: JSONValue = ["type": "object", "additionalProperties": true]
    /// A payload key path in Qdrant's syntax (dotted plain keys; quoted and `[]` forms exist too).
    static let payloadKey: JSONValue = ["type": "string", "pattern": #"^[A-Za-z_][A-Za-z0-9_-]{0,15}(\.[A-Za-z_][A-Za-z0-9_-]{0,15}){0,3}$"#]
    /// Which points a write touches: `points` or `filter`.
    static let selectorRequired: JSONValue = ["anyOf": [["required": ["points"]], ["required": ["filter"]]]]

    static var schemas: [String: JSONValue] {
        let limit = integer(1, Int64(VectorCollection.maxQueryLimit))
        let withPayload = oneOf(boolean, array(string), object(["include": array(string)]), object(["exclude": array(string)]))
        let withVector = oneOf(boolean, array(string))
        return [
            "ErrorResponse": object(["time": number, "status": object(["error": string])]),
            "VersionInfo": object(["title": string, "version": string, "commit": string]),
            "CollectionsResponse": object(["collections": array(object(["name": string]))]),
            "CollectionExistence": object(["exists": boolean]),
            "UpdateResult": object(["operation_id": integer(0), "status": ["type": "string", "enum": ["acknowledged", "completed"]]]),
            "CountResult": object(["count": integer(0)]),
            "ExtendedPointId": oneOf(integer(0), ["type": "string", "format": "uuid"]),
            "SparseVector": object(["indices": array(integer(0, Int64(UInt32.max))), "values": array(number)], required: ["indices", "values"]),
            "Vector": oneOf(array(number), ref("SparseVector")),
            "VectorStruct": oneOf(array(number), map(ref("Vector"))),
            "Record": object(["id": ref("ExtendedPointId"), "payload": payload, "vector": ref("VectorStruct")], required: ["id"]),
            "ScoredPoint": object(["id": ref("ExtendedPointId"), "version": integer(0), "score": number, "payload": payload,
                                   "vector": ref("VectorStruct")], required: ["id", "score"]),
            "QueryResponse": object(["points": array(ref("ScoredPoint"))]),
            "HnswConfigDiff": object([
                "m": integer(2, 128), "ef_construct": integer(4, 4096),
                "full_scan_threshold": integer(0, Int64(HNSWParameters.maxFullScanThreshold)),
                "max_indexing_threads": integer(0), "on_disk": boolean,
            ]),
            "ScalarQuantization": object([
                "scalar": object(["type": ["type": "string", "enum": ["int8"]], "quantile": ["type": "number", "minimum": 0.5, "maximum": 1],
                                  "always_ram": boolean], required: ["type"]),
            ], required: ["scalar"]),
            "VectorParams": object([
                "size": integer(1, 65_536), "distance": ["type": "string", "enum": ["Cosine", "Dot", "Euclid"]],
                "hnsw_config": ref("HnswConfigDiff"), "quantization_config": ref("ScalarQuantization"), "on_disk": boolean,
            ], required: ["size", "distance"]),
            "SparseVectorParams": object(["modifier": ["type": "string", "enum": ["none", "idf"]]]),
            "CreateCollection": object([
                "vectors": oneOf(ref("VectorParams"), map(ref("VectorParams"))),
                "sparse_vectors": map(ref("SparseVectorParams")),
                "hnsw_config": ref("HnswConfigDiff"), "quantization_config": ref("ScalarQuantization"),
                "shard_number": integer(1), "replication_factor": integer(1), "write_consistency_factor": integer(1), "on_disk_payload": boolean,
            ]),
            "CreateFieldIndex": object([
                "field_name": payloadKey,
                "field_schema": oneOf(["type": "string", "enum": ["keyword", "integer", "float", "bool", "uuid", "text", "datetime", "geo"]], object(["type": string])),
            ], required: ["field_name"]),
            "PointStruct": object(["id": ref("ExtendedPointId"), "vector": ref("VectorStruct"), "payload": payload], required: ["id", "vector"]),
            "PointInsertOperations": oneOf(
                object(["points": array(ref("PointStruct"))], required: ["points"]),
                object(["batch": object([
                    "ids": array(ref("ExtendedPointId")), "vectors": oneOf(array(array(number)), map(array(ref("Vector")))), "payloads": array(payload),
                ], required: ["ids"])], required: ["batch"])
            ),
            "PointRequest": object(["ids": array(ref("ExtendedPointId")), "with_payload": withPayload, "with_vector": withVector], required: ["ids"]),
            "PointsSelector": oneOf(object(["points": array(ref("ExtendedPointId"))], required: ["points"]), object(["filter": ref("Filter")], required: ["filter"])),
            "SetPayload": ["allOf": [
                object(["payload": payload, "points": array(ref("ExtendedPointId")), "filter": ref("Filter"), "key": payloadKey], required: ["payload"]),
                selectorRequired,
            ]],
            "DeletePayload": ["allOf": [
                object(["keys": array(payloadKey), "points": array(ref("ExtendedPointId")), "filter": ref("Filter")], required: ["keys"]),
                selectorRequired,
            ]],
            "Match": oneOf(
                object(["value": oneOf(string, integer(Int64.min), boolean)], required: ["value"]),
                object(["any": oneOf(array(string), array(integer(Int64.min)))], required: ["any"]),
                object(["except": oneOf(array(string), array(integer(Int64.min)))], required: ["except"]),
                object(["text": string], required: ["text"]),
                object(["text_any": string], required: ["text_any"])
            ),
            "Range": object(["gt": number, "gte": number, "lt": number, "lte": number]),
            "DatetimeRange": object(["gt": dateTime, "gte": dateTime, "lt": dateTime, "lte": dateTime]),
            "FieldCondition": object([
                "key": payloadKey, "match": ref("Match"), "range": oneOf(ref("Range"), ref("DatetimeRange")),
                "values_count": object(["gt": integer(0), "gte": integer(0), "lt": integer(0), "lte": integer(0)]),
                "geo_radius": object(["center": ref("GeoPoint"), "radius": number], required: ["center", "radius"]),
                "geo_bounding_box": object(["top_left": ref("GeoPoint"), "bottom_right": ref("GeoPoint")], required: ["top_left", "bottom_right"]),
                "geo_polygon": object(["exterior": ref("GeoLineString"), "interiors": array(ref("GeoLineString"))], required: ["exterior"]),
            ], required: ["key"]),
            "GeoPoint": object([
                "lon": ["type": "number", "minimum": -180, "maximum": 180], "lat": ["type": "number", "minimum": -90, "maximum": 90],
            ], required: ["lon", "lat"]),
            "GeoLineString": object(["points": array(ref("GeoPoint"))], required: ["points"]),
            "Condition": oneOf(
                ref("FieldCondition"),
                object(["has_id": array(ref("ExtendedPointId"))], required: ["has_id"]),
                object(["is_empty": object(["key": payloadKey], required: ["key"])], required: ["is_empty"]),
                object(["is_null": object(["key": payloadKey], required: ["key"])], required: ["is_null"]),
                object(["nested": object(["key": payloadKey, "filter": ref("Filter")], required: ["key", "filter"])], required: ["nested"]),
                ref("Filter")
            ),
            "Filter": object([
                "must": array(ref("Condition")), "should": array(ref("Condition")), "must_not": array(ref("Condition")),
                "min_should": object(["conditions": array(ref("Condition")), "min_count": integer(0)], required: ["conditions", "min_count"]),
            ]),
            "SearchParams": object(["hnsw_ef": limit, "exact": boolean]),
            "ScrollRequest": object(["offset": ref("ExtendedPointId"), "limit": limit, "filter": ref("Filter"), "with_payload": withPayload, "with_vector": withVector]),
            "CountRequest": object(["filter": ref("Filter"), "exact": boolean]),
            "Query": oneOf(
                array(number), ref("SparseVector"), ref("ExtendedPointId"),
                object(["nearest": oneOf(array(number), ref("SparseVector"), ref("ExtendedPointId"))], required: ["nearest"]),
                object(["fusion": ["type": "string", "enum": ["rrf", "dbsf"]]], required: ["fusion"]),
                object(["rrf": object(["k": integer(1), "weights": array(number)])], required: ["rrf"]),
                object(["recommend": object([
                    "positive": array(ref("Example")), "negative": array(ref("Example")),
                    "strategy": ["type": "string", "enum": ["average_vector", "best_score", "sum_scores"]],
                ])], required: ["recommend"]),
                object(["discover": object(["target": ref("Example"), "context": array(ref("ContextPair"))], required: ["target"])], required: ["discover"]),
                object(["context": array(ref("ContextPair"))], required: ["context"]),
                object(["nearest": oneOf(array(number), ref("SparseVector"), ref("ExtendedPointId")),
                        "mmr": object(["diversity": number, "candidates_limit": integer(1, 1000)])], required: ["nearest", "mmr"]),
                object(["order_by": oneOf(string, object(["key": string, "direction": ["type": "string", "enum": ["asc", "desc"]],
                                                         "start_from": oneOf(number, string)], required: ["key"]))], required: ["order_by"]),
                object(["sample": ["type": "string", "enum": ["random"]]], required: ["sample"]),
                object(["formula": ["description": "a number, a variable ($score, $score[i] or a payload key), a condition, or one of mult, sum, neg, abs, div, sqrt, pow, exp, log10, ln, geo_distance, datetime, datetime_key, lin_decay, exp_decay, gauss_decay"],
                        "defaults": ["type": "object"]], required: ["formula"])
            ),
            "Example": oneOf(array(number), ref("SparseVector"), ref("ExtendedPointId")),
            "ContextPair": object(["positive": ref("Example"), "negative": ref("Example")], required: ["positive", "negative"]),
            "SearchMatrixRequest": object(["sample": integer(1, 1000), "limit": integer(1, 1000), "filter": ref("Filter"), "using": string]),
            "Prefetch": object([
                "prefetch": array(ref("Prefetch")), "query": ref("Query"), "using": string, "filter": ref("Filter"),
                "params": ref("SearchParams"), "score_threshold": number, "limit": limit,
            ]),
            "QueryRequest": object([
                "prefetch": oneOf(ref("Prefetch"), array(ref("Prefetch"))), "query": ref("Query"), "using": string, "filter": ref("Filter"),
                "params": ref("SearchParams"), "score_threshold": number, "limit": limit, "offset": integer(0),
                "with_payload": withPayload, "with_vector": withVector,
            ]),
            "QueryRequestBatch": object(["searches": array(ref("QueryRequest"))], required: ["searches"]),
            "SearchRequest": object([
                "vector": oneOf(array(number), object(["name": string, "vector": ref("Vector")], required: ["name", "vector"])),
                "filter": ref("Filter"), "params": ref("SearchParams"), "limit": limit, "offset": integer(0),
                "with_payload": withPayload, "with_vector": withVector, "score_threshold": number,
            ], required: ["vector", "limit"]),
            "SearchRequestBatch": object(["searches": array(ref("SearchRequest"))], required: ["searches"]),
        ]
    }
}
