import Crypto
import Foundation

/// The HS256 secret a data directory keeps when `CAMPUS_SEARCH_JWT_SECRET` is not set: the file `jwt-secret`
/// (mode 0600) holding 64 hex digits (256 random bits) and a newline.
///
/// Invariant: the file appears complete or not at all. A new secret is written and fsynced to a private
/// temporary file, then hard-linked to `jwt-secret`; `link` fails when the name exists, so of two processes
/// starting at once exactly one secret wins and both read it.
public enum JWTSecretFile {
    public static let fileName = "jwt-secret"

    /// A secret file that cannot be used, with a message a user can act on.
    public struct Failure: Error, CustomStringConvertible, Equatable {
        public let description: String
    }

    /// The secret of `dataDirectory` (which must exist), generated on first use.
    public static func loadOrCreate(dataDirectory: String) throws(Failure) -> String {
        let path = (dataDirectory as NSString).appendingPathComponent(fileName)
        if let existing = try read(path) { return existing }
        try create(path, in: dataDirectory)
        guard let secret = try read(path) else {
            throw Failure(description: "\(path) vanished right after it was created; is another program deleting it?")
        }
        return secret
    }

    /// The trimmed contents, nil when the file does not exist.
    private static func read(_ path: String) throws(Failure) -> String? {
        guard FileManager.default.fileExists(atPath: path) else { return nil }
        guard let data = FileManager.default.contents(atPath: path) else {
            throw Failure(description: "cannot read \(path); check its permissions, or set CAMPUS_SEARCH_JWT_SECRET")
        }
        let secret = String(decoding: data, as: UTF8.self).trimmingCharacters(in: .whitespacesAndNewlines)
        guard secret.utf8.count >= TokenAuthority.minimumSecretBytes else {
            throw Failure(description: "\(path) holds fewer than \(TokenAuthority.minimumSecretBytes) characters; delete it to have a new secret generated, or set CAMPUS_SEARCH_JWT_SECRET")
        }
        return secret
    }

    private static func create(_ path: String, in directory: String) throws(Failure) {
        let key = SymmetricKey(size: .bits256)
        let hex = key.withUnsafeBytes { bytes in bytes.map { String(format: "%02x", $0) }.joined() }
        let temporary = (directory as NSString).appendingPathComponent(".\(fileName).\(getpid()).\(UUID().uuidString)")
        let fd = open(temporary, O_WRONLY | O_CREAT | O_EXCL, 0o600)
        guard fd >= 0 else {
            throw Failure(description: "cannot create \(temporary): \(String(cString: strerror(errno))); check that \(directory) is writable")
        }
        defer { unlink(temporary) }
        let contents = Array((hex + "\n").utf8)
        let written = contents.withUnsafeBytes { write(fd, $0.baseAddress, $0.count) }
        let synced = fsync(fd) == 0
        close(fd)
        guard written == contents.count, synced else {
            throw Failure(description: "cannot write \(temporary): \(String(cString: strerror(errno)))")
        }
        if link(temporary, path) != 0 && errno != EEXIST {
            throw Failure(description: "cannot create \(path): \(String(cString: strerror(errno)))")
        }
        let directoryFD = open(directory, O_RDONLY)
        if directoryFD >= 0 {
            _ = fsync(directoryFD)
            close(directoryFD)
        }
    }
}
