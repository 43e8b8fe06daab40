import Foundation
import JSON
import JWTKit
import Logging
import Synchronization

/// Verifies `Authorization: Bearer` tokens as Supabase issues them, and signs tokens for the CLI and tests.
///
/// Accepted: HS256 signed with the shared secret (what a Supabase project signs user tokens with), and, when a
/// JWKS file is configured, RS256 and ES256 (P-256) signed by one of its keys, chosen by the header's `kid`.
/// Refused, each with its own `unauthorized` message: anything that is not three base64url parts with a JSON
/// header; `alg: none`; any other algorithm; a `crit` header; an RS256/ES256 token without a `kid`, with a `kid`
/// not in the file, or whose `alg` is not its key's; a bad signature; a missing or past `exp`; a future `nbf`;
/// an `aud` without `authenticated`; a `sub` that is not a UUID.
///
/// Verification yields the user id only: role and organisation come from our records (`authenticate`), so
/// token claims such as `role` are never trusted. `iss` is not checked (the project URL is not configured).
///
/// Invariants:
/// - Each key sits in its own jwt-kit key collection, so jwt-kit can never fall back to another key (it uses
///   its default key for an unknown `kid`), and the algorithm is matched against the key before jwt-kit runs.
/// - A token that verified is remembered (at most `verifiedCacheCapacity`, the oldest forgotten first), so a
///   client sending the same token on every request pays for the signature once; `exp` is still checked against
///   the clock on every use. Only tokens that passed every check are remembered.
public final class TokenAuthority: Sendable {
    /// Where the keys come from.
    ///
    /// - `secret` (String?, `CAMPUS_SEARCH_JWT_SECRET`, default nil = the data directory's `jwt-secret` file,
    ///   generated on first start): the HS256 secret, at least 32 bytes, used as its UTF-8 bytes as Supabase does.
    /// - `jwksFile` (String?, `CAMPUS_SEARCH_JWKS_FILE`, default nil): a JSON Web Key Set whose RSA and P-256 keys
    ///   (each with a `kid`) verify RS256 and ES256 tokens; other keys in it are skipped with a warning.
    /// - `leewaySeconds` (Int, `CAMPUS_SEARCH_JWT_LEEWAY_SECONDS`, default 0): tolerated clock difference with
    ///   the issuer for `exp` and `nbf`, 0…300.
    public struct Configuration: Sendable, Equatable {
        public var secret: String?
        public var jwksFile: String?
        public var leewaySeconds = 0

        public init() {}

        /// The settings present in `environment`; empty values count as unset.
        public init(environment: [String: String]) throws(SetupError) {
            secret = environment["CAMPUS_SEARCH_JWT_SECRET"].flatMap { $0.isEmpty ? nil : $0 }
            jwksFile = environment["CAMPUS_SEARCH_JWKS_FILE"].flatMap { $0.isEmpty ? nil : $0 }
            if let text = environment["CAMPUS_SEARCH_JWT_LEEWAY_SECONDS"] {
                guard let value = Int(text), (0...300).contains(value) else {
                    throw SetupError(description: "invalid CAMPUS_SEARCH_JWT_LEEWAY_SECONDS=\(text.debugDescription): expected seconds 0...300")
                }
                leewaySeconds = value
            }
        }
    }

    /// Keys that cannot be used, with a message a user can act on.
    public struct SetupError: Error, CustomStringConvertible, Equatable {
        public let description: String
    }

    /// What a valid token says.
    public struct VerifiedToken: Sendable, Equatable {
        public let userID: UUID
        public let email: String?
        public let expiresAt: Date
    }

    /// HS256 secrets shorter than this are refused (SHA-256's output size; Supabase's secrets are longer).
    public static let minimumSecretBytes = 32
    /// Tokens longer than this are refused before any decoding.
    static let maximumTokenBytes = 16 * 1024

    private let hmac: JWTKeyCollection
    /// `kid` → (algorithm, a collection holding only that key).
    private let publicKeys: [String: (algorithm: String, keys: JWTKeyCollection)]
    private let leeway: Double
    private let now: @Sendable () -> Date
    private let verified = Mutex(VerifiedCache())

    /// How many verified tokens are remembered.
    static let verifiedCacheCapacity = 4096

    /// Keys from `configuration`: the secret, else the data directory's secret file (created when missing); the
    /// JWKS file when set. `dataDirectory` must exist (open the environment first).
    public static func load(_ configuration: Configuration, dataDirectory: String,
                            logger: Logger = Logger(label: "campus-search.auth")) async throws -> TokenAuthority {
        let secret: String
        if let configured = configuration.secret {
            secret = configured
        } else {
            do {
                secret = try JWTSecretFile.loadOrCreate(dataDirectory: dataDirectory)
            } catch {
                throw SetupError(description: error.description)
            }
        }
        var jwks: String?
        if let path = configuration.jwksFile {
            guard let data = FileManager.default.contents(atPath: path) else {
                throw SetupError(description: "cannot read CAMPUS_SEARCH_JWKS_FILE \(path); check the path and its permissions")
            }
            jwks = String(decoding: data, as: UTF8.self)
        }
        return try await TokenAuthority(secret: secret, jwks: jwks, leewaySeconds: configuration.leewaySeconds, logger: logger)
    }

    /// Keys given directly: the HS256 `secret` and optionally the text of a JWKS document; `now` is the clock
    /// `exp` and `nbf` are checked against.
    public init(secret: String, jwks: String? = nil, leewaySeconds: Int = 0, now: @escaping @Sendable () -> Date = { Date() },
                logger: Logger = Logger(label: "campus-search.auth")) async throws {
        guard secret.utf8.count >= Self.minimumSecretBytes else {
            throw SetupError(description: "the JWT secret must be at least \(Self.minimumSecretBytes) bytes long")
        }
        hmac = JWTKeyCollection()
        await hmac.add(hmac: HMACKey(from: secret), digestAlgorithm: .sha256)
        if let jwks {
            publicKeys = try await Self.publicKeys(fromJWKS: jwks, logger: logger)
        } else {
            publicKeys = [:]
        }
        leeway = Double(max(0, leewaySeconds))
        self.now = now
    }

    private static func publicKeys(fromJWKS text: String, logger: Logger) async throws -> [String: (algorithm: String, keys: JWTKeyCollection)] {
        // Each key is decoded on its own, so that one jwt-kit does not know (`oct`, `HS256`) is skipped, not fatal.
        guard let entries = (try? JSONText.parse(text))?["keys"]?.arrayValue else {
            throw SetupError(description: "CAMPUS_SEARCH_JWKS_FILE is not a JSON Web Key Set ({\"keys\": [...]})")
        }
        var keys: [String: (algorithm: String, keys: JWTKeyCollection)] = [:]
        for entry in entries {
            let kid = entry["kid"]?.stringValue ?? ""
            guard !kid.isEmpty else {
                logger.warning("skipping a JWKS key without a kid")
                continue
            }
            guard let jwk = try? JSONDecoder().decode(JWK.self, from: Data(JSONText.serialize(entry))) else {
                logger.warning("skipping a JWKS key of a type this server does not read", metadata: ["kid": "\(kid)"])
                continue
            }
            let algorithm: String
            switch (jwk.keyType, jwk.algorithm, jwk.curve?.rawValue) {
            case (.rsa, nil, _), (.rsa, .rs256?, _): algorithm = "RS256"
            case (.ecdsa, nil, "P-256"), (.ecdsa, .es256?, "P-256"): algorithm = "ES256"
            default:
                logger.warning("skipping a JWKS key this server does not verify with (only RS256 and ES256 P-256)", metadata: ["kid": "\(kid)"])
                continue
            }
            guard keys[kid] == nil else { throw SetupError(description: "CAMPUS_SEARCH_JWKS_FILE has two keys with kid \(kid.debugDescription)") }
            let collection = JWTKeyCollection()
            do {
                try await collection.add(jwk: jwk)
                _ = try await collection.getKey(for: jwk.keyIdentifier, alg: algorithm)  // builds the key now, so bad key material fails at start
            } catch {
                throw SetupError(description: "CAMPUS_SEARCH_JWKS_FILE key \(kid.debugDescription) cannot be used: \(error)")
            }
            keys[kid] = (algorithm, collection)
        }
        guard !keys.isEmpty else { throw SetupError(description: "CAMPUS_SEARCH_JWKS_FILE has no RS256 or ES256 (P-256) key with a kid") }
        return keys
    }

    // MARK: Verifying

    /// The token of an `Authorization` header as the platform reads it: exactly two parts split on one space,
    /// the first `Bearer`; nil otherwise.
    public static func bearerToken(fromAuthorization header: String?) -> String? {
        // Byte-wise: a Character-wise split of a ~200-byte header was ~10 % of a cheap call's CPU.
        guard let header else { return nil }
        let utf8 = header.utf8
        let scheme = "Bearer ".utf8
        guard utf8.count > scheme.count, utf8.starts(with: scheme) else { return nil }
        let token = utf8.dropFirst(scheme.count)
        guard !token.contains(UInt8(ascii: " ")) else { return nil }
        return String(Substring(token))
    }

    /// Checks `token` and returns its user id, or throws `unauthorized` saying why it was refused.
    public func verify(_ token: String) async throws(AccountsError) -> VerifiedToken {
        guard token.utf8.count <= Self.maximumTokenBytes else { throw Self.refused("longer than \(Self.maximumTokenBytes) bytes") }
        if let known = verified.withLock({ $0.entries[token] }) {
            guard now().timeIntervalSince1970 < known.expiresAt.timeIntervalSince1970 + leeway else {
                verified.withLock { _ = $0.entries.removeValue(forKey: token) }
                throw Self.refused("it expired at \(known.expiresAt.iso8601Milliseconds)")
            }
            return known
        }
        let parts = token.split(separator: ".", omittingEmptySubsequences: false)
        guard parts.count == 3, let headerBytes = Base64URL.decode(String(parts[0])),
              let header = (try? JSONText.parse(headerBytes, maxDepth: 8))?.objectValue else {
            throw Self.refused("not a JWT (three base64url parts with a JSON header)")
        }
        guard let alg = header["alg"]?.stringValue else { throw Self.refused("the header has no alg") }
        guard alg.lowercased() != "none" else { throw Self.refused("unsigned tokens (alg none) are not accepted") }
        guard header["crit"] == nil else { throw Self.refused("critical header extensions (crit) are not supported") }
        let keys: JWTKeyCollection
        switch alg {
        case "HS256":
            keys = hmac
        case "RS256", "ES256":
            guard let kid = header["kid"]?.stringValue else { throw Self.refused("\(alg) tokens must name their key (kid)") }
            guard let key = publicKeys[kid] else { throw Self.refused("unknown signing key \(kid.debugDescription)") }
            guard key.algorithm == alg else { throw Self.refused("key \(kid.debugDescription) signs \(key.algorithm), not \(alg)") }
            keys = key.keys
        default:
            throw Self.refused("algorithm \(alg.debugDescription) is not accepted (HS256, RS256, ES256)")
        }
        let claims: TokenClaims
        do {
            claims = try await keys.verify(token, as: TokenClaims.self)
        } catch let error as JWTError where error.errorType == .signatureVerificationFailed {
            throw Self.refused("the signature does not verify")
        } catch {
            throw Self.refused("the signature does not verify or the claims cannot be read")
        }
        let result = try check(claims)
        verified.withLock { $0.insert(result, for: token, capacity: Self.verifiedCacheCapacity) }
        return result
    }

    private func check(_ claims: TokenClaims) throws(AccountsError) -> VerifiedToken {
        let time = now().timeIntervalSince1970
        guard let exp = claims.exp else { throw Self.refused("it has no expiry (exp)") }
        guard time < exp.seconds + leeway else { throw Self.refused("it expired at \(exp.date.iso8601Milliseconds)") }
        if let nbf = claims.nbf, time + leeway < nbf.seconds {
            throw Self.refused("it is not valid before \(nbf.date.iso8601Milliseconds)")
        }
        guard claims.aud?.values.contains(Self.audience) == true else {
            throw Self.refused("its audience (aud) must include \"\(Self.audience)\"")
        }
        guard let sub = claims.sub, let userID = UUID(uuidString: sub) else { throw Self.refused("its subject (sub) is not a user id") }
        return VerifiedToken(userID: userID, email: claims.email, expiresAt: exp.date)
    }

    private static let audience = "authenticated"

    /// Verified tokens in insertion order (a ring of keys beside the map).
    private struct VerifiedCache {
        var entries: [String: VerifiedToken] = [:]
        var order: [String] = []
        var next = 0

        mutating func insert(_ token: VerifiedToken, for key: String, capacity: Int) {
            guard entries.updateValue(token, forKey: key) == nil else { return }
            if order.count < capacity {
                order.append(key)
            } else {
                entries.removeValue(forKey: order[next])
                order[next] = key
                next = (next + 1) % capacity
            }
        }
    }

    private static func refused(_ reason: String) -> AccountsError {
        .unauthorized("Invalid token: \(reason).")
    }

    /// The caller of a request: its Bearer token verified and its user read from `store`. nil (an anonymous
    /// caller, as the platform treats every failure here) for no or a refused token, or a user that does not
    /// exist; a deactivated user is returned so that `ProcedureKind.authorize` refuses them with its message.
    /// Only storage failures throw.
    public func authenticate(authorization: String?, in store: AccountsStore) async throws -> Principal? {
        guard let token = Self.bearerToken(fromAuthorization: authorization),
              let verified = try? await verify(token) else { return nil }
        return try store.principal(userID: verified.userID)
    }

    // MARK: Signing

    /// An HS256 token for `userID`, valid for `ttl` seconds (1…31,622,400, a leap year), with the claims Supabase
    /// puts in an access token (`sub`, `aud` and `role` `authenticated`, `iat`, `exp`, `email` when given).
    public func issue(userID: UUID, ttl: Int, email: String? = nil) async throws -> String {
        guard (1...31_622_400).contains(ttl) else {
            throw AccountsError.badRequest("A token's lifetime must be 1 to 31622400 seconds (got \(ttl)).")
        }
        let issuedAt = now().timeIntervalSince1970.rounded(.down)
        let claims = TokenClaims(
            sub: userID.lowercasedString, exp: NumericDate(seconds: issuedAt + Double(ttl)),
            iat: NumericDate(seconds: issuedAt), aud: Audience([Self.audience]), iss: "campus-search",
            role: Self.audience, email: email)
        return try await hmac.sign(claims)
    }
}
