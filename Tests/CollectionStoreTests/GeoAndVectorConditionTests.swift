import Foundation
import JSON
import Search
import Testing
@testable import CollectionStore

/// Geo conditions (`geo_radius`, `geo_bounding_box`, `geo_polygon`), the `geo` payload index, and `has_vector`.
@Suite("Geo and has_vector conditions")
struct GeoAndVectorConditionTests {
    static let london = GeoPoint(lon: -0.127758, lat: 51.507351)
    static let paris = GeoPoint(lon: 2.352222, lat: 48.856614)
    static let berlin = GeoPoint(lon: 13.404954, lat: 52.520008)
    static let tokyo = GeoPoint(lon: 139.691706, lat: 35.689487)

    static func payload(_ p: GeoPoint) -> [String: JSONValue] {
        ["city": .object(["geo": .object(["lon": .double(p.lon), "lat": .double(p.lat)])])]
    }

    static func condition(_ shape: GeoShape) -> Filter {
        Filter(must: [.field(FieldCondition(key: PayloadPath("city.geo")!, predicate: .geo(shape)))])
    }

    @Test("haversine distances on the IUGG mean radius; a radius matches strictly closer points")
    func radius() {
        let d = GeoRadius.distance(Self.london, Self.paris)
        #expect(abs(d - 343_549.83) < 0.01)  // qdrant-client's local mode: 343,549.8288 m
        #expect(GeoRadius.distance(Self.paris, Self.london) == d)
        #expect(GeoRadius.distance(Self.tokyo, Self.tokyo) == 0)
        #expect(GeoRadius(center: Self.london, radius: d + 1).contains(Self.paris))
        #expect(!GeoRadius(center: Self.london, radius: d).contains(Self.paris))
        #expect(!GeoRadius(center: Self.london, radius: 0).contains(Self.london))
        // Across the antimeridian: 1° of longitude on the equator is ≈ 111 km.
        let east = GeoPoint(lon: 179.5, lat: 0), west = GeoPoint(lon: -179.5, lat: 0)
        #expect(GeoRadius(center: east, radius: 120_000).contains(west))
    }

    @Test("bounding boxes are exclusive at their edges and wrap across the antimeridian")
    func boundingBox() {
        let europe = GeoBoundingBox(topLeft: GeoPoint(lon: -5, lat: 55), bottomRight: GeoPoint(lon: 15, lat: 45))
        #expect(europe.contains(Self.london) && europe.contains(Self.paris) && europe.contains(Self.berlin))
        #expect(!europe.contains(Self.tokyo))
        #expect(!europe.contains(GeoPoint(lon: -5, lat: 50)) && !europe.contains(GeoPoint(lon: 0, lat: 55)))
        let pacific = GeoBoundingBox(topLeft: GeoPoint(lon: 170, lat: 10), bottomRight: GeoPoint(lon: -170, lat: -10))
        #expect(pacific.contains(GeoPoint(lon: 179, lat: 0)) && pacific.contains(GeoPoint(lon: -175, lat: 5)))
        #expect(!pacific.contains(GeoPoint(lon: 0, lat: 0)) && !pacific.contains(GeoPoint(lon: 175, lat: 20)))
        // A box whose top is below its bottom holds nothing.
        let upsideDown = GeoBoundingBox(topLeft: GeoPoint(lon: -5, lat: 45), bottomRight: GeoPoint(lon: 15, lat: 55))
        #expect(!upsideDown.contains(Self.paris) && GeoShape.boundingBox(upsideDown).bounds.isEmpty)
    }

    @Test("polygons: inside the exterior and outside the holes; points on a ring are outside the polygon")
    func polygon() {
        let square = [GeoPoint(lon: 0, lat: 0), GeoPoint(lon: 10, lat: 0), GeoPoint(lon: 10, lat: 10), GeoPoint(lon: 0, lat: 10), GeoPoint(lon: 0, lat: 0)]
        let hole = [GeoPoint(lon: 4, lat: 4), GeoPoint(lon: 6, lat: 4), GeoPoint(lon: 6, lat: 6), GeoPoint(lon: 4, lat: 6), GeoPoint(lon: 4, lat: 4)]
        let polygon = GeoPolygon(exterior: square, interiors: [hole])
        #expect(polygon.contains(GeoPoint(lon: 2, lat: 2)))
        #expect(!polygon.contains(GeoPoint(lon: 5, lat: 5)))  // in the hole
        #expect(!polygon.contains(GeoPoint(lon: 4, lat: 5)))  // on the hole's edge
        #expect(!polygon.contains(GeoPoint(lon: 0, lat: 5)))  // on the exterior's edge
        #expect(!polygon.contains(GeoPoint(lon: 11, lat: 5)))
        // A concave "C": the notch is outside.
        let c = [GeoPoint(lon: 0, lat: 0), GeoPoint(lon: 10, lat: 0), GeoPoint(lon: 10, lat: 3), GeoPoint(lon: 3, lat: 3),
                 GeoPoint(lon: 3, lat: 7), GeoPoint(lon: 10, lat: 7), GeoPoint(lon: 10, lat: 10), GeoPoint(lon: 0, lat: 10), GeoPoint(lon: 0, lat: 0)]
        #expect(!GeoPolygon(exterior: c).contains(GeoPoint(lon: 6, lat: 5)))
        #expect(GeoPolygon(exterior: c).contains(GeoPoint(lon: 1, lat: 5)))
    }

    @Test("payload values: objects with finite lon/lat, arrays of them; anything else never matches")
    func payloadValues() throws {
        let everywhere = GeoShape.boundingBox(GeoBoundingBox(topLeft: GeoPoint(lon: -180, lat: 90), bottomRight: GeoPoint(lon: 180, lat: -90)))
        let filter = Self.condition(everywhere)
        let values: [(JSONValue, Bool)] = [
            (.object(["lon": .int(1), "lat": .int(2)]), true),
            (.object(["lon": .double(1.5), "lat": .double(2.5), "name": .string("x")]), true),
            (.array([.string("x"), .object(["lon": .int(1), "lat": .int(2)])]), true),
            (.object(["lon": .string("1"), "lat": .int(2)]), false),
            (.object(["lat": .int(2)]), false),
            (.string("1,2"), false), (.array([.double(1), .double(2)]), false), (.null, false),
        ]
        for (value, expected) in values {
            #expect(filter.matches(id: .number(1), payload: ["city": .object(["geo": value])]) == expected, "\(value)")
        }
        #expect(!filter.matches(id: .number(1), payload: [:]))
    }

    @Test("the Morton cover holds every cell of the rectangle, in few ascending disjoint ranges")
    func mortonCover() {
        var rng = SplitMix64(seed: 7)
        for _ in 0..<300 {
            let lon0 = Double.random(in: -180...180, using: &rng), lat0 = Double.random(in: -90...90, using: &rng)
            let width = Double.random(in: 0...40, using: &rng) * (rng.next() % 4 == 0 ? 0.0001 : 1)
            let height = Double.random(in: 0...40, using: &rng)
            let rect = GeoRect(lon: lon0...min(180, lon0 + width), lat: lat0...min(90, lat0 + height))
            let ranges = MortonGrid.ranges(covering: rect)
            #expect(!ranges.isEmpty && ranges.count <= 32)
            #expect(zip(ranges, ranges.dropFirst()).allSatisfy { $0.upperBound < $1.lowerBound })
            for _ in 0..<20 {
                let p = GeoPoint(lon: Double.random(in: rect.lon, using: &rng), lat: Double.random(in: rect.lat, using: &rng))
                let code = MortonGrid.code(p)
                #expect(ranges.contains { $0.contains(code) }, "\(p) outside the cover of \(rect)")
            }
        }
        #expect(MortonGrid.code(GeoPoint(lon: 180, lat: 90)) == (UInt64(1) << 52) - 1)
        #expect(MortonGrid.code(GeoPoint(lon: -180, lat: -90)) == 0)
    }

    /// Random geo payloads: most on the globe, some arrays, some off the globe or not geo points.
    static func randomPayload(_ rng: inout SplitMix64) -> [String: JSONValue] {
        func point() -> JSONValue {
            // Clusters near the poles and the antimeridian, where the cover is hardest.
            let lon: Double = switch rng.next() % 4 {
            case 0: Double.random(in: 175...180, using: &rng) * (rng.next() % 2 == 0 ? 1 : -1)
            default: Double.random(in: -180...180, using: &rng)
            }
            let lat: Double = rng.next() % 5 == 0 ? Double.random(in: 80...90, using: &rng) * (rng.next() % 2 == 0 ? 1 : -1)
                : Double.random(in: -90...90, using: &rng)
            return .object(["lon": .double(lon), "lat": .double(lat)])
        }
        let value: JSONValue = switch rng.next() % 10 {
        case 0: .array([point(), point()])
        case 1: .object(["lon": .double(200), "lat": .double(95)])  // off the globe: still a point
        case 2: .string("nowhere")
        default: point()
        }
        return ["city": .object(["geo": value])]
    }

    static func randomShape(_ rng: inout SplitMix64) -> GeoShape {
        func point() -> GeoPoint { GeoPoint(lon: Double.random(in: -180...180, using: &rng), lat: Double.random(in: -90...90, using: &rng)) }
        switch rng.next() % 3 {
        case 0:
            let radius = [1_000.0, 100_000, 2_000_000, 8_000_000, 25_000_000][Int(rng.next() % 5)] * Double.random(in: 0.1...1, using: &rng)
            return .radius(GeoRadius(center: point(), radius: radius))
        case 1:
            return .boundingBox(GeoBoundingBox(topLeft: point(), bottomRight: point()))
        default:
            let c = point(), r = Double.random(in: 0.5...40, using: &rng)
            var ring = (0..<6).map { k -> GeoPoint in
                let angle = Double(k) / 6 * 2 * .pi, scale = Double.random(in: 0.3...1, using: &rng)
                return GeoPoint(lon: c.lon + r * scale * cos(angle), lat: c.lat + r * scale * sin(angle))
            }
            ring.append(ring[0])
            return .polygon(GeoPolygon(exterior: ring))
        }
    }

    @Test("a geo index answers every shape exactly as brute force does, without payload reads, through updates and deletes")
    func indexEquivalence() throws {
        var rng = SplitMix64(seed: 2026)
        var points = TestPoints(points: (0..<600).map { (.number(UInt64($0)), Self.randomPayload(&rng)) })
        let set = PayloadIndexSet()
        try set.createIndex(field: "city.geo", schema: PayloadFieldSchema(.geo), points: points.pairs)
        #expect(set.schema["city.geo"]?.dataType == .geo)
        #expect(set.schema["city.geo"]?.points == points.points.filter { $0.map { Self.hasPoint($0.1) } ?? false }.count)

        var nonEmptyAnswers = 0
        for round in 0..<4 {
            for _ in 0..<150 {
                let filter = Self.condition(Self.randomShape(&rng))
                var reads = 0
                let got = set.allowList(for: filter, capacity: points.capacity, liveIDs: points.live,
                                        payloadOf: { reads += 1; return points.payloadOf($0) })
                let expected = points.bruteForce { filter.matches(id: $0, payload: $1) }
                #expect(got.ids == expected, "round \(round): \(filter)")
                #expect(reads == 0)
                if !expected.isEmpty { nonEmptyAnswers += 1 }
            }
            // Rewrite a third of the points and delete a tenth, then ask again.
            for i in points.points.indices {
                switch rng.next() % 10 {
                case 0:
                    points.points[i] = nil
                    set.update(id: UInt32(i), payload: nil)
                case 1, 2, 3:
                    let payload = Self.randomPayload(&rng)
                    points.points[i] = (.number(UInt64(i)), payload)
                    set.update(id: UInt32(i), payload: payload)
                default: break
                }
            }
        }
        #expect(nonEmptyAnswers > 200)
    }

    static func hasPoint(_ payload: [String: JSONValue]) -> Bool {
        guard case .object(let city)? = payload["city"], let value = city["geo"] else { return false }
        var found = false
        value.forEachFlattened { if GeoPoint(payload: $0) != nil { found = true } }
        return found
    }

    @Test("geo conditions decode from Qdrant's wire form and encode back; bad shapes are refused")
    func coding() throws {
        let json = """
        {"must": [{"key": "city.geo", "geo_radius": {"center": {"lon": 13.4, "lat": 52.5}, "radius": 1000.5}}],
         "should": [{"key": "city.geo", "geo_bounding_box": {"top_left": {"lon": -5, "lat": 55}, "bottom_right": {"lon": 15, "lat": 45}}},
                    {"key": "city.geo", "geo_polygon": {"exterior": {"points": [{"lon": 0, "lat": 0}, {"lon": 1, "lat": 0}, {"lon": 1, "lat": 1}, {"lon": 0, "lat": 0}]},
                                                        "interiors": null}}]}
        """
        let filter = try JSONDecoder().decode(Filter.self, from: Data(json.utf8))
        #expect(filter.must?.first == .field(FieldCondition(key: PayloadPath("city.geo")!, predicate: .geo(.radius(GeoRadius(center: GeoPoint(lon: 13.4, lat: 52.5), radius: 1000.5))))))
        #expect(try JSONDecoder().decode(Filter.self, from: JSONEncoder().encode(filter)) == filter)

        let bad: [(String, String)] = [
            (#"{"key": "g", "geo_radius": {}}"#, ""),
            (#"{"key": "g", "geo_radius": {"center": {"lon": 0, "lat": 91}, "radius": 1}}"#, "outside [-90, 90]"),
            (#"{"key": "g", "geo_radius": {"center": {"lon": -180.5, "lat": 0}, "radius": 1}}"#, "outside [-180, 180]"),
            (#"{"key": "g", "geo_radius": {"center": {"lon": 0, "lat": 0}, "radius": "far"}}"#, "metres"),
            (#"{"key": "g", "geo_bounding_box": {"top_left": {"lon": 0, "lat": 0}}}"#, ""),
            (#"{"key": "g", "geo_polygon": {"exterior": {"points": [{"lon": 0, "lat": 0}, {"lon": 1, "lat": 0}, {"lon": 0, "lat": 0}]}}}"#, "at least 4 points"),
            (#"{"key": "g", "geo_polygon": {"exterior": {"points": [{"lon": 0, "lat": 0}, {"lon": 1, "lat": 0}, {"lon": 1, "lat": 1}, {"lon": 0, "lat": 1}]}}}"#, "closed"),
            (#"{"key": "g", "geo_radius": {"center": {"lon": 0, "lat": 0}, "radius": 1}, "match": {"value": 1}}"#, "exactly one of"),
        ]
        for (condition, expected) in bad {
            let message = decodingMessage(#"{"must": ["# + condition + "]}")
            #expect(message != nil, "accepted: \(condition)")
            if let message, !expected.isEmpty { #expect(message.contains(expected), "\(condition) → \(message)") }
        }
    }

    @Test("has_vector: answered from vector membership, exactly and without payload reads; never inside nested")
    func hasVector() throws {
        let points = TestPoints(points: (0..<12).map { (.number(UInt64($0)), ["n": .int(Int64($0)), "items": .array([.object(["a": .int(1)])])]) })
        // Even points have "image", multiples of three have "text".
        let vectors = { (name: String, id: UInt32) -> Bool in name == "image" ? id % 2 == 0 : name == "text" && id % 3 == 0 }
        let set = PayloadIndexSet()
        func ids(_ json: String, reads expectedReads: Bool = false) throws -> [UInt32] {
            let filter = try JSONDecoder().decode(Filter.self, from: Data(json.utf8))
            var reads = 0
            let got = set.allowList(for: filter, capacity: points.capacity, liveIDs: points.live,
                                    payloadOf: { reads += 1; return points.payloadOf($0) }, hasVector: vectors)
            #expect((reads > 0) == expectedReads, "\(json)")
            let brute = points.points.indices.filter { i in
                filter.matches(id: .number(UInt64(i)), payload: points.points[i]!.1, hasVector: { vectors($0, UInt32(i)) })
            }.map(UInt32.init)
            #expect(got.ids == brute, "\(json)")
            return got.ids
        }
        #expect(try ids(#"{"must": [{"has_vector": "image"}]}"#) == [0, 2, 4, 6, 8, 10])
        #expect(try ids(#"{"must": [{"has_vector": "image"}, {"has_vector": "text"}]}"#) == [0, 6])
        #expect(try ids(#"{"must_not": [{"has_vector": "image"}]}"#) == [1, 3, 5, 7, 9, 11])
        #expect(try ids(#"{"must": [{"has_vector": "audio"}]}"#) == [])
        // With an unindexed payload condition the candidates are checked one by one, has_vector included.
        #expect(try ids(#"{"should": [{"has_vector": "text"}, {"key": "n", "range": {"gte": 10}}]}"#, reads: true) == [0, 3, 6, 9, 10, 11])
        // Inside nested there is no point, so no vector.
        #expect(try ids(#"{"must": [{"nested": {"key": "items", "filter": {"must": [{"has_vector": "image"}]}}}]}"#, reads: true) == [])
        let filter = try JSONDecoder().decode(Filter.self, from: Data(#"{"must": [{"has_vector": ""}]}"#.utf8))
        #expect(filter.must == [.hasVector("")])
        #expect(try JSONDecoder().decode(Filter.self, from: JSONEncoder().encode(filter)) == filter)
    }

    private func decodingMessage(_ json: String) -> String? {
        do {
            _ = try JSONDecoder().decode(Filter.self, from: Data(json.utf8))
            return nil
        } catch let DecodingError.dataCorrupted(context) {
            return context.debugDescription
        } catch {
            return "\(error)"
        }
    }
}
