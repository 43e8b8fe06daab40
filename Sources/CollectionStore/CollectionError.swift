/// What a collection operation can fail with. Each case names the HTTP status the API maps it to;
/// the messages follow Qdrant's wording, which applications match on.
public enum CollectionError: Error, Equatable, CustomStringConvertible, Sendable {
    /// 404: the collection does not exist.
    case collectionNotFound(String)
    /// 409: creating a collection that exists.
    case collectionExists(String)
    /// 404: a point addressed by id does not exist.
    case pointNotFound(PointID)
    /// 400: input that parsed but is wrong (dimension, unknown vector name, bad filter).
    case invalid(String)
    /// 422: a value outside its allowed range (limit 0, duplicate sparse indices, ...).
    case validation(String)
    /// 500: storage failed.
    case storage(String)

    public var description: String {
        switch self {
        case .collectionNotFound(let name): "Not found: Collection `\(name)` doesn't exist!"
        case .collectionExists(let name): "Wrong input: Collection `\(name)` already exists!"
        case .pointNotFound(let id): "Not found: No point with id \(id) found"
        case .invalid(let message): "Wrong input: \(message)"
        case .validation(let message): "Validation error in JSON body: [\(message)]"
        case .storage(let message): "Service internal error: \(message)"
        }
    }

    /// The HTTP status of Qdrant's answer for this error.
    public var httpStatus: Int {
        switch self {
        case .collectionNotFound, .pointNotFound: 404
        case .collectionExists: 409
        case .invalid: 400
        case .validation: 422
        case .storage: 500
        }
    }
}
