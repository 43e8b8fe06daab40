import Foundation
import JSON

/// A point's external id, as Qdrant defines it: an unsigned 64-bit integer or a UUID.
///
/// Integers never pass through `Double`; UUIDs compare and print in lowercase hyphenated form.
/// Ordering (used by scroll): every integer id sorts before every UUID; integers numerically,
/// UUIDs by their 16 bytes.
public enum PointID: Hashable, Sendable, Comparable, CustomStringConvertible {
    case number(UInt64)
    case uuid(UUID)

    /// Parses a UUID in any form `UUID(uuidString:)` accepts, or a decimal u64.
    public init?(_ text: String) {
        if let n = UInt64(text) {
            self = .number(n)
        } else if let uuid = UUID(uuidString: text) {
            self = .uuid(uuid)
        } else if text.count == 32, let uuid = UUID(uuidString: Self.hyphenate(text)) {
            self = .uuid(uuid)
        } else {
            return nil
        }
    }

    private static func hyphenate(_ s: String) -> String {
        let c = Array(s)
        return String(c[0..<8]) + "-" + String(c[8..<12]) + "-" + String(c[12..<16]) + "-" + String(c[16..<20]) + "-" + String(c[20..<32])
    }

    public var description: String {
        switch self {
        case .number(let n): String(n)
        case .uuid(let u): u.lowercasedString
        }
    }

    /// 17 bytes that sort in `PointID` order: a tag byte (0 number, 1 uuid) then the big-endian value.
    public var sortKey: [UInt8] {
        switch self {
        case .number(let n):
            var bytes: [UInt8] = [0]
            withUnsafeBytes(of: n.bigEndian) { bytes.append(contentsOf: $0) }
            return bytes
        case .uuid(let u):
            var bytes: [UInt8] = [1]
            withUnsafeBytes(of: u.uuid) { bytes.append(contentsOf: $0) }
            return bytes
        }
    }

    public init?(sortKey bytes: some Collection<UInt8>) {
        let b = Array(bytes)
        if b.count == 9, b[0] == 0 {
            self = .number(b[1...].reduce(0) { $0 << 8 | UInt64($1) })
        } else if b.count == 17, b[0] == 1 {
            let u = b[1...].map { $0 }
            self = .uuid(UUID(uuid: (u[0], u[1], u[2], u[3], u[4], u[5], u[6], u[7], u[8], u[9], u[10], u[11], u[12], u[13], u[14], u[15])))
        } else {
            return nil
        }
    }

    public static func < (lhs: PointID, rhs: PointID) -> Bool {
        lhs.sortKey.lexicographicallyPrecedes(rhs.sortKey)
    }
}
