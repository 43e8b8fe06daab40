import Foundation

/// The 8-4-4-4-12 text of a UUID, as every wire of this project prints ids (lower case) and reads them.
///
/// Foundation's `uuidString` formats through `snprintf` (upper case, then `lowercased()` is a second String):
/// profiling `courses.list` put 14 % of the server's CPU there, 60 ids per page. These write the 36 bytes
/// directly and parse without allocating.
extension UUID {
    /// `uuidString.lowercased()`, without `snprintf` or a second String.
    public var lowercasedString: String {
        String(unsafeUninitializedCapacity: 36) { writeLowercased(into: $0) }
    }

    /// Appends the 36 bytes of `lowercasedString` to `out` (one append, no String).
    public func writeLowercased(into out: inout [UInt8]) {
        withUnsafeTemporaryAllocation(of: UInt8.self, capacity: 36) { buffer in
            let count = writeLowercased(into: buffer)
            out.append(contentsOf: UnsafeBufferPointer(rebasing: buffer[..<count]))
        }
    }

    /// Writes the 36 bytes of the 8-4-4-4-12 lower-case form at the start of `buffer` (at least 36 long).
    private func writeLowercased(into buffer: UnsafeMutableBufferPointer<UInt8>) -> Int {
        withUnsafeBytes(of: uuid) { bytes in
            var out = 0
            for (index, byte) in bytes.enumerated() {
                if index == 4 || index == 6 || index == 8 || index == 10 {
                    buffer[out] = UInt8(ascii: "-")
                    out += 1
                }
                buffer[out] = UUIDText.hexDigit(byte >> 4)
                buffer[out + 1] = UUIDText.hexDigit(byte & 0xF)
                out += 2
            }
            return out
        }
    }

    /// Parses the 8-4-4-4-12 hex form (either case) without Foundation's general parser; nil for anything else.
    public init?(hexString text: String) {
        var text = text
        let parsed: uuid_t? = text.withUTF8 { utf8 -> uuid_t? in
            guard utf8.count == 36 else { return nil }
            var value: uuid_t = (0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0)
            let complete = withUnsafeMutableBytes(of: &value) { bytes -> Bool in
                var position = 0
                for index in 0..<16 {
                    if index == 4 || index == 6 || index == 8 || index == 10 {
                        guard utf8[position] == UInt8(ascii: "-") else { return false }
                        position += 1
                    }
                    guard let high = UUIDText.nibble(utf8[position]), let low = UUIDText.nibble(utf8[position + 1]) else { return false }
                    bytes[index] = high << 4 | low
                    position += 2
                }
                return true
            }
            return complete ? value : nil
        }
        guard let value = parsed else { return nil }
        self.init(uuid: value)
    }
}

enum UUIDText {
    /// The lower-case hex digit of `value` (0…15).
    @inline(__always) static func hexDigit(_ value: UInt8) -> UInt8 {
        value < 10 ? UInt8(ascii: "0") + value : UInt8(ascii: "a") - 10 + value
    }

    static func nibble(_ character: UInt8) -> UInt8? {
        switch character {
        case UInt8(ascii: "0")...UInt8(ascii: "9"): character - UInt8(ascii: "0")
        case UInt8(ascii: "a")...UInt8(ascii: "f"): character - UInt8(ascii: "a") + 10
        case UInt8(ascii: "A")...UInt8(ascii: "F"): character - UInt8(ascii: "A") + 10
        default: nil
        }
    }
}
