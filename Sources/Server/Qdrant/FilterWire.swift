import JSON
import CollectionStore
import Foundation

extension QdrantWire {
    /// Decodes a Qdrant filter (the model's `Decodable` conformance enforces the shapes and the
    /// nesting limit); any problem is a 400 "Format error".
    static func decodeFilter(_ value: JSONValue) throws -> Filter {
        do {
            return try JSONDecoder().decode(Filter.self, from: Data(JSONText.serialize(value)))
        } catch let error as DecodingError {
            throw QdrantError.format("filter: \(Self.describe(error))")
        }
    }

    static func describe(_ error: DecodingError) -> String {
        switch error {
        case .dataCorrupted(let context), .keyNotFound(_, let context), .typeMismatch(_, let context), .valueNotFound(_, let context):
            let path = context.codingPath.map { $0.intValue.map { "[\($0)]" } ?? ".\($0.stringValue)" }.joined()
            return path.isEmpty ? context.debugDescription : "\(path): \(context.debugDescription)"
        @unknown default:
            return "\(error)"
        }
    }

    static func payloadFieldSchema(_ value: JSONValue?) throws -> PayloadFieldSchema {
        guard let value, value != .null else { throw QdrantError.format("missing field `field_schema`") }
        do {
            return try JSONDecoder().decode(PayloadFieldSchema.self, from: Data(JSONText.serialize(value)))
        } catch let error as DecodingError {
            throw QdrantError.format("field_schema: \(Self.describe(error))")
        }
    }
}
