import HTTPTypes
import Hummingbird
import JSON

/// tRPC v11's streamed batch (`httpBatchStreamLink`, request header `trpc-accept: application/jsonl`).
///
/// The body is JSON lines. The first line maps each batch index to a placeholder promise,
/// `{"0":[[0],[null,0,0]],"1":[[0],[null,0,1]]}` (value `[0]`, then `[path, type 0 = promise, chunk id]`);
/// then, as each procedure settles (in the order they settle, not the order asked), its chunk: an error
/// envelope whole, `[1,0,[[{"error":…}]]]`, or a result as three nested promises, each chunk naming the
/// next by a new id: `[0,0,[[{"result":0}],["result",0,2]]]`, `[2,0,[[{"data":0}],["data",0,3]]]`,
/// `[3,0,[[<data>]]]`. The status is 200 whatever the items' errors (they are inside the stream).
enum JSONLBatch {
    static func response(count: Int, call: @escaping @Sendable (Int) async -> TRPCControllerOutcome, headers extra: [HTTPField]) -> Response {
        var headers: HTTPFields = [.contentType: "application/json"]
        for field in extra { headers.append(field) }
        let body = ResponseBody { writer in
            var head: [(String, WireValue)] = []
            for index in 0..<count {
                head.append((String(index), .array([.array([.int(0)]), .array([.null, .int(0), .int(index)])])))
            }
            try await writer.write(line(.object(head)))
            var nextID = count
            await withTaskGroup(of: (Int, TRPCControllerOutcome).self) { group in
                for index in 0..<count { group.addTask { (index, await call(index)) } }
                for await (index, outcome) in group {
                    var lines: [WireValue] = []
                    if case .object(let fields) = outcome.envelope, let result = fields.first(where: { $0.0 == "result" })?.1,
                       case .object(let inner) = result, let data = inner.first(where: { $0.0 == "data" })?.1 {
                        let resultID = nextID, dataID = nextID + 1
                        nextID += 2
                        lines.append(.array([.int(index), .int(0), .array([.array([.object([("result", .int(0))])]), .array([.string("result"), .int(0), .int(resultID)])])]))
                        lines.append(.array([.int(resultID), .int(0), .array([.array([.object([("data", .int(0))])]), .array([.string("data"), .int(0), .int(dataID)])])]))
                        lines.append(.array([.int(dataID), .int(0), .array([.array([data])])]))
                    } else {
                        lines.append(.array([.int(index), .int(0), .array([.array([outcome.envelope])])]))
                    }
                    for entry in lines { try? await writer.write(line(entry)) }
                }
            }
            try await writer.finish(nil)
        }
        return Response(status: .ok, headers: headers, body: body)
    }

    static func line(_ value: WireValue) -> ByteBuffer {
        var bytes = value.bytes
        bytes.append(UInt8(ascii: "\n"))
        return ByteBuffer(bytes: bytes)
    }
}
