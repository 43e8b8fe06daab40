import Foundation
import JSON

// Qdrant's geo conditions (`geo_radius`, `geo_bounding_box`, `geo_polygon`) and the cell cover
// the `geo` payload index answers them with.
//
// Semantics are Qdrant's (and qdrant-client's local mode): a payload geo point is an object with
// finite numbers `lon` and `lat` (other keys ignored); an array of such objects matches when any
// element does. Every boundary is exclusive: a radius matches at distance < radius (haversine on
// the IUGG mean Earth radius), a bounding box strictly inside its edges (crossing the antimeridian
// when `top_left.lon > bottom_right.lon`), a polygon strictly inside its exterior ring and outside
// every interior ring (even-odd ray casting in plain lon/lat, a point on a ring is not inside).

/// A point on the globe in degrees.
public struct GeoPoint: Hashable, Sendable {
    public var lon: Double
    public var lat: Double

    public init(lon: Double, lat: Double) {
        self.lon = lon
        self.lat = lat
    }

    /// A payload value that is a geo point: an object whose `lon` and `lat` are finite numbers.
    init?(payload value: JSONValue) {
        guard case .object(let object) = value,
              let lon = object["lon"]?.numberValue, let lat = object["lat"]?.numberValue,
              lon.isFinite, lat.isFinite else { return nil }
        self.init(lon: lon, lat: lat)
    }

    /// Whether the point is on the globe (what a query's points must be; payload points need not).
    var isValid: Bool { (-180...180).contains(lon) && (-90...90).contains(lat) }
}

/// `geo_radius`: points closer than `radius` metres to `center`.
public struct GeoRadius: Hashable, Sendable {
    public var center: GeoPoint
    public var radius: Double

    public init(center: GeoPoint, radius: Double) {
        self.center = center
        self.radius = radius
    }

    /// Radius of the Earth in metres, as Qdrant measures (the IUGG mean radius).
    public static let earthRadius = 6_371_008.8

    /// Great-circle distance in metres (haversine).
    public static func distance(_ a: GeoPoint, _ b: GeoPoint) -> Double {
        // Degrees to radians as CPython's `math.radians` rounds (qdrant-client's local mode).
        let radians = Double.pi / 180
        let lat1 = a.lat * radians, lat2 = b.lat * radians
        let dLat = lat2 - lat1, dLon = b.lon * radians - a.lon * radians
        let h = pow(sin(dLat / 2), 2) + cos(lat1) * cos(lat2) * pow(sin(dLon / 2), 2)
        return 2 * earthRadius * asin(min(1, sqrt(h)))
    }

    public func contains(_ p: GeoPoint) -> Bool { Self.distance(center, p) < radius }
}

/// `geo_bounding_box`: points strictly between the box's edges.
public struct GeoBoundingBox: Hashable, Sendable {
    public var topLeft: GeoPoint
    public var bottomRight: GeoPoint

    public init(topLeft: GeoPoint, bottomRight: GeoPoint) {
        self.topLeft = topLeft
        self.bottomRight = bottomRight
    }

    public func contains(_ p: GeoPoint) -> Bool {
        let inLon = topLeft.lon > bottomRight.lon
            ? p.lon > topLeft.lon || p.lon < bottomRight.lon  // across the antimeridian
            : topLeft.lon < p.lon && p.lon < bottomRight.lon
        return inLon && bottomRight.lat < p.lat && p.lat < topLeft.lat
    }
}

/// `geo_polygon`: points inside the exterior ring and outside every interior ring. Rings are
/// closed (first point = last point) with at least 4 points; decoding checks it.
public struct GeoPolygon: Hashable, Sendable {
    public var exterior: [GeoPoint]
    public var interiors: [[GeoPoint]]

    public init(exterior: [GeoPoint], interiors: [[GeoPoint]] = []) {
        self.exterior = exterior
        self.interiors = interiors
    }

    public func contains(_ p: GeoPoint) -> Bool {
        guard Self.ring(exterior, contains: p) == .inside else { return false }
        return !interiors.contains { Self.ring($0, contains: p) != .outside }
    }

    enum Side { case inside, outside, boundary }

    /// Even-odd ray casting over the ring's edges (the closing repeat of the first point dropped),
    /// with latitude as x and longitude as y, exactly as qdrant-client's local mode computes it, so
    /// points on a float knife-edge fall on the same side.
    static func ring(_ ring: [GeoPoint], contains p: GeoPoint) -> Side {
        var points = ring[...]
        if let first = points.first, let last = points.last, points.count > 1, first == last { points = points.dropLast() }
        guard let lastPoint = points.last else { return .outside }
        let px = p.lat, py = p.lon
        var inside = false
        var j = lastPoint
        for i in points {
            let xi = i.lat, yi = i.lon, xj = j.lat, yj = j.lon
            // On the segment j–i: collinear and within its extent.
            if py * (xi - xj) + yi * (xj - px) + yj * (px - xi) == 0, (xi - px) * (xj - px) <= 0, (yi - py) * (yj - py) <= 0 {
                return .boundary
            }
            if (yi > py) != (yj > py), px < (xj - xi) * (py - yi) / (yj - yi) + xi { inside.toggle() }
            j = i
        }
        return inside ? .inside : .outside
    }
}

/// One of the three geo conditions.
public enum GeoShape: Hashable, Sendable {
    case radius(GeoRadius)
    case boundingBox(GeoBoundingBox)
    case polygon(GeoPolygon)

    public func contains(_ p: GeoPoint) -> Bool {
        switch self {
        case .radius(let r): r.contains(p)
        case .boundingBox(let b): b.contains(p)
        case .polygon(let g): g.contains(p)
        }
    }

    /// Whether some geo point among the payload value (an array counts each element) is inside.
    func matches(_ value: JSONValue) -> Bool {
        var hit = false
        value.forEachFlattened { v in
            if !hit, let p = GeoPoint(payload: v), contains(p) { hit = true }
        }
        return hit
    }

    /// Closed lon/lat rectangles that together hold every point of the globe the shape contains
    /// (two for a box or circle across the antimeridian; none when the shape is empty).
    var bounds: [GeoRect] {
        switch self {
        case .boundingBox(let b):
            guard b.bottomRight.lat < b.topLeft.lat else { return [] }
            let lat = b.bottomRight.lat...b.topLeft.lat
            if b.topLeft.lon > b.bottomRight.lon {
                return [GeoRect(lon: b.topLeft.lon...180, lat: lat), GeoRect(lon: -180...b.bottomRight.lon, lat: lat)]
            }
            guard b.topLeft.lon < b.bottomRight.lon else { return [] }
            return [GeoRect(lon: b.topLeft.lon...b.bottomRight.lon, lat: lat)]
        case .polygon(let g):
            guard let first = g.exterior.first else { return [] }
            var rect = GeoRect(lon: first.lon...first.lon, lat: first.lat...first.lat)
            for p in g.exterior { rect.include(p) }
            return [rect]
        case .radius(let r):
            guard r.radius > 0 else { return [] }
            // The circle's angular radius, widened by a margin for rounding (the index re-checks).
            let delta = r.radius / GeoRadius.earthRadius * 180 / .pi * (1 + 1e-9) + 1e-9
            let lat = max(-90, r.center.lat - delta)...min(90, r.center.lat + delta)
            // A circle reaching a pole, or wider than a hemisphere, spans every longitude.
            guard delta < 90, r.center.lat + delta < 90, r.center.lat - delta > -90 else {
                return [GeoRect(lon: -180...180, lat: lat)]
            }
            let latRadians = r.center.lat * .pi / 180, deltaRadians = delta * .pi / 180
            let halfWidth = asin(min(1, sin(deltaRadians) / cos(latRadians))) * 180 / .pi * (1 + 1e-9) + 1e-9
            guard halfWidth.isFinite, halfWidth < 180 else { return [GeoRect(lon: -180...180, lat: lat)] }
            let west = r.center.lon - halfWidth, east = r.center.lon + halfWidth
            var rects = [GeoRect(lon: max(-180, west)...min(180, east), lat: lat)]
            if west < -180 { rects.append(GeoRect(lon: (west + 360)...180, lat: lat)) }
            if east > 180 { rects.append(GeoRect(lon: -180...(east - 360), lat: lat)) }
            return rects
        }
    }
}

/// A closed rectangle in degrees.
struct GeoRect: Equatable {
    var lon: ClosedRange<Double>
    var lat: ClosedRange<Double>

    mutating func include(_ p: GeoPoint) {
        lon = min(lon.lowerBound, p.lon)...max(lon.upperBound, p.lon)
        lat = min(lat.lowerBound, p.lat)...max(lat.upperBound, p.lat)
    }
}

/// Z-order (Morton) codes of points on a 2^26 × 2^26 grid over the globe, and the code ranges that
/// cover a rectangle. A code has 52 bits, so it is exact as a `Double` (the `geo` index keeps codes
/// in the same sorted structure as numbers). Every aligned square block of cells is one contiguous
/// range of codes, which is what makes a rectangle a handful of range look-ups.
enum MortonGrid {
    static let bits = 26
    static let side = 1 << bits

    /// The cell column of a longitude and row of a latitude (clamped onto the grid).
    static func column(_ lon: Double) -> Int { cell((lon + 180) / 360) }
    static func row(_ lat: Double) -> Int { cell((lat + 90) / 180) }

    private static func cell(_ fraction: Double) -> Int {
        guard fraction.isFinite else { return 0 }
        return min(side - 1, max(0, Int((fraction * Double(side)).rounded(.down))))
    }

    static func code(_ p: GeoPoint) -> UInt64 { interleave(column(p.lon), row(p.lat)) }

    static func interleave(_ x: Int, _ y: Int) -> UInt64 { spread(UInt64(x)) | (spread(UInt64(y)) << 1) }

    /// The bits of `v` (26 of them) moved to the even positions.
    private static func spread(_ v: UInt64) -> UInt64 {
        var v = v & 0x3FF_FFFF
        v = (v | (v << 16)) & 0x0000_FFFF_0000_FFFF
        v = (v | (v << 8)) & 0x00FF_00FF_00FF_00FF
        v = (v | (v << 4)) & 0x0F0F_0F0F_0F0F_0F0F
        v = (v | (v << 2)) & 0x3333_3333_3333_3333
        v = (v | (v << 1)) & 0x5555_5555_5555_5555
        return v
    }

    /// Closed code ranges, ascending and disjoint, covering every cell the rectangle touches: the
    /// rectangle is covered by at most `maxBlocks` aligned square blocks of one size (the smallest
    /// size that needs no more), each one range; adjacent ranges are merged.
    static func ranges(covering rect: GeoRect, maxBlocks: Int = 32) -> [ClosedRange<UInt64>] {
        let x0 = column(rect.lon.lowerBound), x1 = column(rect.lon.upperBound)
        let y0 = row(rect.lat.lowerBound), y1 = row(rect.lat.upperBound)
        var shift = 0
        while shift < bits, ((x1 >> shift) - (x0 >> shift) + 1) * ((y1 >> shift) - (y0 >> shift) + 1) > maxBlocks { shift += 1 }
        let blockCells = UInt64(1) << (2 * UInt64(shift))
        var starts: [UInt64] = []
        for bx in (x0 >> shift)...(x1 >> shift) {
            for by in (y0 >> shift)...(y1 >> shift) { starts.append(interleave(bx << shift, by << shift)) }
        }
        starts.sort()
        var ranges: [ClosedRange<UInt64>] = []
        for start in starts {
            let end = start + blockCells - 1
            if let last = ranges.last, last.upperBound &+ 1 == start {
                ranges[ranges.count - 1] = last.lowerBound...end
            } else {
                ranges.append(start...end)
            }
        }
        return ranges
    }
}
