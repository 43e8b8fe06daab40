/// What a collection operation can fail with: a kind and a message. The API layer (Server) chooses
/// the status code and the envelope wording for each kind; nothing here knows HTTP.
public enum CollectionError: Error, Equatable, CustomStringConvertible, Sendable {
    /// The collection does not exist.
    case collectionNotFound(String)
    /// Creating a collection whose name is taken.
    case collectionExists(String)
    /// The collection exists but could not be opened (its stored configuration or data is unusable);
    /// it can still be deleted.
    case collectionUnavailable(String, reason: String)
    /// An alias addressed by name does not exist.
    case aliasNotFound(String)
    /// A point addressed by id does not exist.
    case pointNotFound(PointID)
    /// Input that parsed but is wrong (dimension, unknown vector name, bad filter).
    case invalid(String)
    /// A value outside its allowed range (limit 0, duplicate sparse indices, a configured limit).
    case validation(String)
    /// Storage failed.
    case storage(String)
    /// The collection changed under the request (its vector spaces were reconfigured); retrying
    /// reaches the new configuration.
    case retry(String)

    public var description: String {
        switch self {
        case .collectionNotFound(let name): "collection `\(name)` does not exist"
        case .collectionExists(let name): "collection `\(name)` already exists"
        case .collectionUnavailable(let name, let reason): "collection `\(name)` cannot be opened: \(reason)"
        case .aliasNotFound(let name): "alias `\(name)` does not exist"
        case .pointNotFound(let id): "no point with id \(id)"
        case .invalid(let message), .validation(let message): message
        case .storage(let message): "storage failed: \(message)"
        case .retry(let message): message
        }
    }
}
