import Crypto
import Foundation

extension UUID {
    /// RFC 9562's namespace for names that are URLs (6ba7b811-9dad-11d1-80b4-00c04fd430c8).
    public static let urlNamespace = UUID(uuid: (0x6b, 0xa7, 0xb8, 0x11, 0x9d, 0xad, 0x11, 0xd1,
                                                 0x80, 0xb4, 0x00, 0xc0, 0x4f, 0xd4, 0x30, 0xc8))
    /// RFC 9562's namespace for domain names (6ba7b810-9dad-11d1-80b4-00c04fd430c8).
    public static let dnsNamespace = UUID(uuid: (0x6b, 0xa7, 0xb8, 0x10, 0x9d, 0xad, 0x11, 0xd1,
                                                 0x80, 0xb4, 0x00, 0xc0, 0x4f, 0xd4, 0x30, 0xc8))

    /// A name-based UUID, version 5 (RFC 9562 §5.5): SHA-1 of the namespace's 16 bytes followed by the name's UTF-8,
    /// truncated to 16 bytes, with the version (5) and the variant (10) bits set. Equal to Python's
    /// `uuid.uuid5(namespace, name)`.
    public init(version5Name name: String, namespace: UUID) {
        var hasher = Insecure.SHA1()
        withUnsafeBytes(of: namespace.uuid) { hasher.update(bufferPointer: $0) }
        hasher.update(data: Data(name.utf8))
        var bytes = Array(hasher.finalize().prefix(16))
        bytes[6] = (bytes[6] & 0x0F) | 0x50
        bytes[8] = (bytes[8] & 0x3F) | 0x80
        self.init(uuid: (bytes[0], bytes[1], bytes[2], bytes[3], bytes[4], bytes[5], bytes[6], bytes[7],
                         bytes[8], bytes[9], bytes[10], bytes[11], bytes[12], bytes[13], bytes[14], bytes[15]))
    }
}
