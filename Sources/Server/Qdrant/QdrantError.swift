import CollectionStore

/// An error answered in Qdrant's envelope: `{"status": {"error": message}, "time": t}`.
///
/// The one place where domain errors become Qdrant's status codes and wording (applications match
/// on the wording: `Not found: Collection `x` doesn't exist!`, `Wrong input: …`).
struct QdrantError: Error {
    let status: Int
    let message: String

    static func badRequest(_ message: String) -> QdrantError { QdrantError(status: 400, message: "Wrong input: \(message)") }
    static func format(_ message: String) -> QdrantError { QdrantError(status: 400, message: "Format error in JSON body: \(message)") }
    static func validation(_ message: String) -> QdrantError { QdrantError(status: 422, message: "Validation error in JSON body: [\(message)]") }
    static func notFound(_ message: String) -> QdrantError { QdrantError(status: 404, message: "Not found: \(message)") }
    static func payloadTooLarge(_ limit: Int) -> QdrantError {
        QdrantError(status: 413, message: "Payload too large: the request body exceeds \(limit) bytes")
    }

    init(status: Int, message: String) {
        self.status = status
        self.message = message
    }

    init(_ error: CollectionError) {
        switch error {
        case .collectionNotFound(let name): self.init(status: 404, message: "Not found: Collection `\(name)` doesn't exist!")
        case .collectionExists(let name): self.init(status: 409, message: "Wrong input: Collection `\(name)` already exists!")
        case .collectionUnavailable(let name, let reason):
            self.init(status: 503, message: "Service unavailable: Collection `\(name)` cannot be opened (\(reason)); it can be deleted and created again")
        case .aliasNotFound(let name): self.init(status: 404, message: "Not found: Alias \(name) does not exist!")
        case .pointNotFound(let id): self.init(status: 404, message: "Not found: No point with id \(id) found")
        case .invalid(let message): self = .badRequest(message)
        case .validation(let message): self = .validation(message)
        case .storage(let message): self.init(status: 500, message: "Service internal error: \(message)")
        case .retry(let message): self.init(status: 503, message: "Service unavailable: \(message)")
        }
    }
}
