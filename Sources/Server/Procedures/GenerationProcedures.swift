import Accounts
import Foundation
import JSON

/// `generation.*` (contract §5.1–5.3).
enum GenerationProcedures {
    static func all(_ services: PlatformServices) -> [TRPCProcedure] {
        [test]
    }

    /// `generation.test`: public query, optional `{message?: string}`; answers the platform's fixed text, the
    /// time, and the message back (absent when none was sent, as `JSON.stringify` drops `undefined`).
    static let test = TRPCProcedure.query("generation.test", .public) { call in
        var input = call.reader(optional: true)
        let message = input.string("message", required: false)
        try input.finish()
        var fields: [(String, WireValue)] = [("message", .string("tRPC server is operational")), ("timestamp", .string(Date().iso8601Milliseconds))]
        if let message { fields.append(("echo", .string(message))) }
        return .object(fields)
    }
}
