import CollectionStore

/// An error answered in Qdrant's envelope: `{"status": {"error": message}, "time": t}`.
struct QdrantError: Error {
    let status: Int
    let message: String

    static func badRequest(_ message: String) -> QdrantError { QdrantError(status: 400, message: "Wrong input: \(message)") }
    static func format(_ message: String) -> QdrantError { QdrantError(status: 400, message: "Format error in JSON body: \(message)") }
    static func validation(_ message: String) -> QdrantError { QdrantError(status: 422, message: "Validation error in JSON body: [\(message)]") }
    static func notFound(_ message: String) -> QdrantError { QdrantError(status: 404, message: "Not found: \(message)") }

    init(status: Int, message: String) {
        self.status = status
        self.message = message
    }

    init(_ error: CollectionError) {
        self.init(status: error.httpStatus, message: error.description)
    }
}
