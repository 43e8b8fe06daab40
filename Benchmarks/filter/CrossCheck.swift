// Compares CampusSearch's filter semantics with qdrant-client local mode (see crosscheck.py).
import Foundation

struct CrossCheckFile: Decodable {
    var payloads: [[String: JSONValue]]
    var filters: [JSONValue]
    var expected: [[UInt32]]
}

@main
struct CrossCheck {
    static func main() throws {
        let path = CommandLine.arguments.count > 1 ? CommandLine.arguments[1] : "Benchmarks/data/filter/crosscheck.json"
        let file = try JSONDecoder().decode(CrossCheckFile.self, from: Data(contentsOf: URL(fileURLWithPath: path)))
        let points = file.payloads.enumerated().map { (PointID.number(UInt64($0.offset)), $0.element) }
        let live = AllowList(capacity: points.count, ids: 0..<UInt32(points.count))
        let indexed = PayloadIndexSet()
        for (field, type) in [("city", PayloadSchemaType.keyword), ("n", .integer), ("price", .float), ("flag", .bool),
                              ("org", .uuid), ("title", .text), ("meta.level", .integer), ("meta[].level", .float), ("meta.name", .keyword)] {
            try indexed.createIndex(field: field, schema: PayloadFieldSchema(type), points: points.enumerated().map { (UInt32($0.offset), $0.element.1) })
        }
        var mismatches = 0
        for (i, json) in file.filters.enumerated() {
            let filter = try JSONDecoder().decode(Filter.self, from: JSONEncoder().encode(json))
            let plain = points.indices.filter { filter.matches(id: points[$0].0, payload: points[$0].1) }.map { UInt32($0) }
            let fast = indexed.allowList(for: filter, capacity: points.count, liveIDs: live, payloadOf: { points[Int($0)] }).ids
            if plain != file.expected[i] || fast != file.expected[i] {
                mismatches += 1
                if mismatches <= 5 {
                    let extra = Set(plain).subtracting(file.expected[i]).sorted().prefix(3)
                    let missing = Set(file.expected[i]).subtracting(plain).sorted().prefix(3)
                    print("filter \(i): local mode \(file.expected[i].count), ours \(plain.count) (indexed \(fast.count)); extra \(Array(extra)) missing \(Array(missing))")
                    print("  \(String(decoding: try JSONEncoder().encode(json), as: UTF8.self))")
                    for id in (extra + missing).prefix(2) {
                        print("  payload \(id): \(String(decoding: try JSONEncoder().encode(points[Int(id)].1), as: UTF8.self))")
                    }
                }
            }
        }
        print("\(file.filters.count) filters, \(mismatches) differ from qdrant-client local mode")
        if mismatches > 0 { exit(1) }
    }
}
