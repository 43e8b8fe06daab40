import Foundation
import Storage

/// Byte layouts of the Accounts tables' keys (see `AccountsStore`'s invariants).
enum Keys {
    /// A UUID's 16 bytes.
    static func id(_ id: UUID) -> [UInt8] {
        withUnsafeBytes(of: id.uuid) { Array($0) }
    }

    /// The UUID in the last 16 bytes of an index key (nil if the key is shorter).
    static func trailingID(_ key: UnsafeRawBufferPointer) -> UUID? {
        guard key.count >= 16 else { return nil }
        var uuid: uuid_t = (0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0)
        withUnsafeMutableBytes(of: &uuid) { $0.copyMemory(from: UnsafeRawBufferPointer(rebasing: key[(key.count - 16)...])) }
        return UUID(uuid: uuid)
    }

    /// 8 bytes that sort newest first: the bitwise complement of the order-preserving encoding of the
    /// millisecond count, big-endian.
    static func newestFirst(_ date: Date) -> [UInt8] {
        let ordered = UInt64(bitPattern: date.millisecondsSince1970) ^ (1 << 63)
        return withUnsafeBytes(of: (~ordered).bigEndian) { Array($0) }
    }

    /// `newestFirst(createdAt) + id`: the tail of every list index key, and what a list cursor holds.
    static func position(_ createdAt: Date, _ id: UUID) -> [UInt8] {
        newestFirst(createdAt) + Self.id(id)
    }

    static func role(_ role: Role) -> UInt8 {
        switch role {
        case .student: 1
        case .instructor: 2
        case .admin: 3
        case .superadmin: 4
        }
    }

    /// A case-insensitive uniqueness key (names, e-mail addresses).
    static func folded(_ text: String) -> String { text.lowercased() }

    /// LMDB's largest key is 511 bytes; uniqueness keys are refused past this.
    static let maxFoldedBytes = 400
}
