// Filter and payload-index benchmark (compiled by run.sh together with the Filtering sources).
// Reads Benchmarks/data/filter/{payloads.jsonl,filters.json}, builds every payload index, then for
// each filter times: JSON decoding, the planner with indexes, the same without indexes (full scan
// with per-point checks) and the cardinality estimate. Counts must agree between both plans.
import Foundation

@main
struct FilterBench {
    static func median(_ body: () -> Void, repeats: Int) -> Double {
        var times: [Double] = []
        for _ in 0..<repeats {
            let start = DispatchTime.now().uptimeNanoseconds
            body()
            times.append(Double(DispatchTime.now().uptimeNanoseconds - start) / 1e6)
        }
        return times.sorted()[times.count / 2]
    }

    /// Resident set size in MiB (Linux /proc/self/statm).
    static func residentMiB() -> Double {
        guard let statm = try? String(contentsOfFile: "/proc/self/statm", encoding: .utf8),
              let pages = Double(statm.split(separator: " ")[1]) else { return 0 }
        return pages * 4096 / 1_048_576
    }

    static func main() throws {
        let dir = CommandLine.arguments.count > 1 ? CommandLine.arguments[1] : "Benchmarks/data/filter"
        let repeats = CommandLine.arguments.count > 2 ? Int(CommandLine.arguments[2])! : 20
        let lines = try String(contentsOfFile: dir + "/payloads.jsonl", encoding: .utf8).split(separator: "\n")
        let decoder = JSONDecoder()
        let payloads = try lines.map { try decoder.decode([String: JSONValue].self, from: Data($0.utf8)) }
        let points: [(PointID, [String: JSONValue])] = payloads.enumerated().map { (.number(UInt64($0.offset)), $0.element) }
        let capacity = points.count
        let live = AllowList(capacity: capacity, ids: (0..<UInt32(capacity)))
        print("points: \(capacity)")

        let schemas: [(String, PayloadSchemaType)] = [
            ("organization_id", .keyword), ("course_id", .integer), ("tags", .keyword), ("duration", .float),
            ("archived", .bool), ("title", .text), ("meta.level", .integer), ("note", .keyword),
        ]
        let indexed = PayloadIndexSet()
        for (field, type) in schemas { try indexed.createIndex(field: field, schema: PayloadFieldSchema(type)) }
        let rssBefore = residentMiB()
        let buildStart = DispatchTime.now().uptimeNanoseconds
        for (i, p) in payloads.enumerated() { indexed.update(id: UInt32(i), payload: p) }
        let buildSeconds = Double(DispatchTime.now().uptimeNanoseconds - buildStart) / 1e9
        print(String(format: "index build: %d points x %d indexes in %.2f s = %.0f points/s; resident memory +%.0f MiB",
                     capacity, schemas.count, buildSeconds, Double(capacity) / buildSeconds, residentMiB() - rssBefore))
        let rewriteStart = DispatchTime.now().uptimeNanoseconds
        for i in stride(from: 0, to: capacity, by: 10) { indexed.update(id: UInt32(i), payload: payloads[(i + 1) % capacity]) }
        for i in stride(from: 0, to: capacity, by: 10) { indexed.update(id: UInt32(i), payload: payloads[i]) }
        let rewrites = 2 * (capacity + 9) / 10
        print(String(format: "payload rewrites: %.0f updates/s", Double(rewrites) / (Double(DispatchTime.now().uptimeNanoseconds - rewriteStart) / 1e9)))

        let unindexed = PayloadIndexSet()
        let payloadOf: (UInt32) -> (PointID, [String: JSONValue])? = { points[Int($0)] }
        let filters = try JSONSerialization.jsonObject(with: Data(contentsOf: URL(fileURLWithPath: dir + "/filters.json"))) as! [[String: Any]]
        print("filter                              count   decode µs   indexed ms   full scan ms   speed-up   estimate")
        for entry in filters {
            let json = try JSONSerialization.data(withJSONObject: entry["filter"]!)
            let name = entry["name"] as! String
            var filter = Filter()
            let decodeMs = median({ filter = try! decoder.decode(Filter.self, from: json) }, repeats: 200)
            var fast = AllowList(capacity: 0), slow = AllowList(capacity: 0)
            let fastMs = median({ fast = indexed.allowList(for: filter, capacity: capacity, liveIDs: live, payloadOf: payloadOf) }, repeats: repeats)
            let slowMs = median({ slow = unindexed.allowList(for: filter, capacity: capacity, liveIDs: live, payloadOf: payloadOf) }, repeats: max(3, repeats / 4))
            precondition(fast == slow, "indexed and full-scan answers differ for \(name)")
            let estimate = indexed.estimateCardinality(for: filter, liveCount: capacity)
            print(name.padding(toLength: 34, withPad: " ", startingAt: 0) + String(format: " %7d %10.1f %12.3f %14.3f %9.1fx   %d..%d..%d", fast.count, decodeMs * 1000, fastMs, slowMs, slowMs / fastMs, estimate.min, estimate.expected, estimate.max))
        }
    }
}
