import Foundation

/// A type that can be stored as an LMDB key or value.
///
/// Encodings are chosen so that LMDB's byte-wise key order is the natural order of the type:
/// unsigned integers are big-endian, signed integers big-endian with the sign bit flipped.
/// Decoding reads from memory that has no alignment guarantee and that is valid only inside the
/// transaction, so implementations copy or use `loadUnaligned`, never `bindMemory`.
public protocol StorageCodable: Sendable {
    /// Calls `body` with the encoded bytes; the buffer is valid only during the call.
    func withStorageBytes<R>(_ body: (UnsafeRawBufferPointer) throws -> R) rethrows -> R
    /// Decodes a value from bytes that LMDB returned.
    init(storageBytes: UnsafeRawBufferPointer) throws
}

extension UInt64: StorageCodable {
    public func withStorageBytes<R>(_ body: (UnsafeRawBufferPointer) throws -> R) rethrows -> R {
        try Swift.withUnsafeBytes(of: self.bigEndian, body)
    }
    public init(storageBytes bytes: UnsafeRawBufferPointer) throws {
        guard bytes.count == 8 else { throw StorageError.decoding(type: "UInt64", byteCount: bytes.count) }
        self = UInt64(bigEndian: bytes.loadUnaligned(as: UInt64.self))
    }
}

extension UInt32: StorageCodable {
    public func withStorageBytes<R>(_ body: (UnsafeRawBufferPointer) throws -> R) rethrows -> R {
        try Swift.withUnsafeBytes(of: self.bigEndian, body)
    }
    public init(storageBytes bytes: UnsafeRawBufferPointer) throws {
        guard bytes.count == 4 else { throw StorageError.decoding(type: "UInt32", byteCount: bytes.count) }
        self = UInt32(bigEndian: bytes.loadUnaligned(as: UInt32.self))
    }
}

extension Int64: StorageCodable {
    public func withStorageBytes<R>(_ body: (UnsafeRawBufferPointer) throws -> R) rethrows -> R {
        try (UInt64(bitPattern: self) ^ (1 << 63)).withStorageBytes(body)
    }
    public init(storageBytes bytes: UnsafeRawBufferPointer) throws {
        self = Int64(bitPattern: try UInt64(storageBytes: bytes) ^ (1 << 63))
    }
}

extension String: StorageCodable {
    public func withStorageBytes<R>(_ body: (UnsafeRawBufferPointer) throws -> R) rethrows -> R {
        var copy = self
        return try copy.withUTF8 { try body(UnsafeRawBufferPointer($0)) }
    }
    public init(storageBytes bytes: UnsafeRawBufferPointer) throws {
        self = String(decoding: bytes, as: UTF8.self)
    }
}

extension Array: StorageCodable where Element == UInt8 {
    public func withStorageBytes<R>(_ body: (UnsafeRawBufferPointer) throws -> R) rethrows -> R {
        try self.withUnsafeBytes(body)
    }
    public init(storageBytes bytes: UnsafeRawBufferPointer) throws {
        self = Array(bytes)
    }
}

extension Data: StorageCodable {
    public func withStorageBytes<R>(_ body: (UnsafeRawBufferPointer) throws -> R) rethrows -> R {
        try self.withUnsafeBytes(body)
    }
    public init(storageBytes bytes: UnsafeRawBufferPointer) throws {
        self = Data(bytes)
    }
}

/// A vector of `Float` stored as its raw little-endian IEEE 754 bytes (4 per component).
public struct FloatVector: StorageCodable, Equatable {
    public var values: [Float]
    public init(_ values: [Float]) { self.values = values }

    public func withStorageBytes<R>(_ body: (UnsafeRawBufferPointer) throws -> R) rethrows -> R {
        #if _endian(little)
        try values.withUnsafeBytes(body)
        #else
        try values.map { $0.bitPattern.littleEndian }.withUnsafeBytes(body)
        #endif
    }
    public init(storageBytes bytes: UnsafeRawBufferPointer) throws {
        guard bytes.count % 4 == 0 else { throw StorageError.decoding(type: "FloatVector", byteCount: bytes.count) }
        let count = bytes.count / 4
        values = [Float](unsafeUninitializedCapacity: count) { buffer, initialized in
            // LMDB values have no alignment promise: copy bytes, never bind memory.
            UnsafeMutableRawBufferPointer(buffer).copyMemory(from: bytes)
            initialized = count
        }
        #if !_endian(little)
        values = values.map { Float(bitPattern: UInt32(littleEndian: $0.bitPattern)) }
        #endif
    }
}

/// Any `Codable` value stored as JSON. Convenient for small records; hot data should use a binary layout.
public struct JSONStored<Value: Codable & Sendable>: StorageCodable {
    public var value: Value
    public init(_ value: Value) { self.value = value }

    public func withStorageBytes<R>(_ body: (UnsafeRawBufferPointer) throws -> R) rethrows -> R {
        // Encoding a Codable value of the caller's own type does not fail for well-formed types;
        // a failure here is a programming error, not a user error.
        let data = try! JSONEncoder().encode(value)
        return try data.withUnsafeBytes(body)
    }
    public init(storageBytes bytes: UnsafeRawBufferPointer) throws {
        do {
            value = try JSONDecoder().decode(Value.self, from: Data(bytes))
        } catch {
            throw StorageError.decoding(type: "JSON \(Value.self)", byteCount: bytes.count)
        }
    }
}
