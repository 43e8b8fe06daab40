import JSON
import Foundation

/// The payload index types CampusSearch supports (Qdrant's `PayloadSchemaType`).
public enum PayloadSchemaType: String, Codable, Sendable, CaseIterable {
    /// Exact string values; answers `match.value` / `match.any` with strings.
    case keyword
    /// Integer values; answers integer `match.value` / `match.any` and `range`.
    case integer
    /// Numeric values; answers `range`.
    case float
    /// Bool values; answers bool `match.value`.
    case bool
    /// UUID strings (kept as written); answers string matches whose values are all UUIDs.
    case uuid
    /// Lowercased alphanumeric tokens of strings; answers `match.text`.
    case text
    /// RFC 3339 datetime strings, as microseconds; answers datetime `range`.
    case datetime
    /// Geo points (`{"lon", "lat"}` objects), on a Z-order grid; answers `geo_radius`, `geo_bounding_box`, `geo_polygon`.
    case geo
}

/// `field_schema` of `PUT /collections/{c}/index`: a bare type name (`"keyword"`) or the object
/// form (`{"type": "keyword", "is_tenant": true}`), whose extra keys are kept and reported back in
/// `payload_schema.params` but do not change how the index works.
public struct PayloadFieldSchema: Hashable, Sendable, Codable {
    public var type: PayloadSchemaType
    /// The whole object when the object form was used (including `type`), else nil.
    public var params: [String: JSONValue]?

    public init(_ type: PayloadSchemaType, params: [String: JSONValue]? = nil) {
        self.type = type
        self.params = params
    }

    public init(from decoder: any Decoder) throws {
        let container = try decoder.singleValueContainer()
        if let name = try? container.decode(String.self) {
            self.init(try Self.type(named: name, container: container))
        } else if let object = try? container.decode([String: JSONValue].self) {
            guard case .string(let name)? = object["type"] else {
                throw DecodingError.dataCorruptedError(in: container, debugDescription: "field_schema object needs a string `type`")
            }
            self.init(try Self.type(named: name, container: container), params: object)
        } else {
            throw DecodingError.dataCorruptedError(
                in: container, debugDescription: "field_schema must be a type name or an object with a `type`")
        }
    }

    private static func type(named name: String, container: any SingleValueDecodingContainer) throws -> PayloadSchemaType {
        if let type = PayloadSchemaType(rawValue: name) { return type }
        let expected = PayloadSchemaType.allCases.map { "`\($0.rawValue)`" }.joined(separator: ", ")
        throw DecodingError.dataCorruptedError(in: container, debugDescription: "unknown variant `\(name)`, expected one of \(expected)")
    }

    public func encode(to encoder: any Encoder) throws {
        var container = encoder.singleValueContainer()
        if let params { try container.encode(params) } else { try container.encode(type.rawValue) }
    }
}

/// One entry of a collection's `payload_schema`: `{"data_type": "keyword", "params": {...}?, "points": 12}`.
public struct PayloadSchemaInfo: Hashable, Sendable, Codable {
    public var dataType: PayloadSchemaType
    public var params: [String: JSONValue]?
    /// Points that have at least one value of the index's type under the field.
    public var points: Int

    public init(dataType: PayloadSchemaType, params: [String: JSONValue]?, points: Int) {
        self.dataType = dataType
        self.params = params
        self.points = points
    }

    enum CodingKeys: String, CodingKey {
        case dataType = "data_type"
        case params
        case points
    }
}

/// Errors a user can cause when managing payload indexes.
public enum PayloadIndexError: Error, Equatable, CustomStringConvertible {
    case invalidFieldName(String)

    public var description: String {
        switch self {
        case .invalidFieldName(let name):
            "invalid payload field name `\(name)`: expected keys like `a`, `a.b`, `a[].b` or `\"quoted key\"`"
        }
    }
}
