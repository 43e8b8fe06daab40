import Foundation
import HTTPTypes
import Hummingbird
import HummingbirdTesting
import JSON
import Testing

/// One answer of the server: status, parsed JSON body (nil when not JSON), raw text.
struct Answer: Sendable {
    var status: HTTPResponse.Status
    var json: JSONValue?
    var text: String

    /// `result` of Qdrant's envelope.
    var result: JSONValue? { json?["result"] }
    /// `status.error` of Qdrant's error envelope.
    var error: String? { json?["status"]?["error"]?.stringValue }
}

extension TestClientProtocol {
    /// Sends `body` (JSON text) and parses the answer.
    func call(_ method: HTTPRequest.Method, _ uri: String, _ body: String? = nil, headers: HTTPFields = [:]) async throws -> Answer {
        var fields = headers
        if body != nil, fields[.contentType] == nil { fields[.contentType] = "application/json" }
        return try await execute(uri: uri, method: method, headers: fields, body: body.map { ByteBuffer(string: $0) }) { response in
            let text = String(buffer: response.body)
            return Answer(status: response.status, json: try? JSONText.parse(text), text: text)
        }
    }

    /// Sends `body` and expects 200 with Qdrant's `"status": "ok"` envelope; returns `result`.
    @discardableResult
    func ok(_ method: HTTPRequest.Method, _ uri: String, _ body: String? = nil, sourceLocation: SourceLocation = #_sourceLocation) async throws -> JSONValue {
        let answer = try await call(method, uri, body)
        #expect(answer.status == .ok, "\(method) \(uri): \(answer.text)", sourceLocation: sourceLocation)
        #expect(answer.json?["status"] == .string("ok"), "\(method) \(uri): \(answer.text)", sourceLocation: sourceLocation)
        return answer.result ?? .null
    }

    /// Sends `body` and expects `status` with a Qdrant error envelope whose message contains `fragment`.
    @discardableResult
    func refused(
        _ method: HTTPRequest.Method, _ uri: String, _ body: String? = nil, status: HTTPResponse.Status, _ fragment: String = "",
        sourceLocation: SourceLocation = #_sourceLocation
    ) async throws -> Answer {
        let answer = try await call(method, uri, body)
        #expect(answer.status == status, "\(method) \(uri) \(body?.prefix(120) ?? ""): \(answer.text)", sourceLocation: sourceLocation)
        #expect(answer.error?.contains(fragment) == true, "\(method) \(uri): expected `\(fragment)` in \(answer.text)", sourceLocation: sourceLocation)
        #expect(answer.json?["time"]?.numberValue != nil, "no `time` in \(answer.text)", sourceLocation: sourceLocation)
        return answer
    }
}

/// A JSON array of `count` numbers, e.g. a vector.
func vectorJSON(_ values: [Double]) -> String { "[" + values.map { "\($0)" }.joined(separator: ",") + "]" }
