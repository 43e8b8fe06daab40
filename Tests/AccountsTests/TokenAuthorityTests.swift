import CryptoExtras
import Dispatch
import Foundation
import JWTKit
import Synchronization
import Testing
@testable import Accounts

@Suite("Tokens: HS256 with the secret, RS256/ES256 by kid from a JWKS file, every refusal")
struct TokenAuthorityTests {
    static let secret = "super-secret-jwt-token-with-at-least-32-characters-long"
    static let user = UUID()

    static func base64URL(_ data: some DataProtocol) -> String {
        Data(data).base64EncodedString()
            .replacingOccurrences(of: "+", with: "-").replacingOccurrences(of: "/", with: "_").replacingOccurrences(of: "=", with: "")
    }

    static func base64URL(fromBase64 text: String) -> String {
        text.replacingOccurrences(of: "+", with: "-").replacingOccurrences(of: "/", with: "_").replacingOccurrences(of: "=", with: "")
    }

    /// Claims as Supabase issues them, valid for an hour from `now`.
    static func claims(now: Date = Date(), sub: String = user.uuidString) -> TokenClaims {
        let seconds = now.timeIntervalSince1970.rounded(.down)
        return TokenClaims(sub: sub, exp: NumericDate(seconds: seconds + 3600), iat: NumericDate(seconds: seconds),
                           aud: Audience(["authenticated"]), iss: "https://project.supabase.co/auth/v1",
                           role: "authenticated", email: "ann@acme.test")
    }

    /// Signs `claims` with HS256 and `secret` as Supabase would (jwt-kit directly, not the code under test).
    static func hs256(_ claims: TokenClaims, secret: String = secret) async throws -> String {
        let keys = JWTKeyCollection()
        await keys.add(hmac: HMACKey(from: secret), digestAlgorithm: .sha256)
        return try await keys.sign(claims)
    }

    static func unauthorized(_ reason: String) -> AccountsError { .unauthorized("Invalid token: \(reason).") }

    /// The refusal of `token`, or nil when it verifies.
    static func refusal(_ authority: TokenAuthority, _ token: String) async -> AccountsError? {
        do {
            _ = try await authority.verify(token)
            return nil
        } catch {
            return error
        }
    }

    @Test("a Supabase HS256 token verifies to its user id; tokens the authority issues verify too")
    func hs256Accepted() async throws {
        let authority = try await TokenAuthority(secret: Self.secret)
        let verified = try await authority.verify(try await Self.hs256(Self.claims()))
        #expect(verified.userID == Self.user && verified.email == "ann@acme.test")
        let issued = try await authority.issue(userID: Self.user, ttl: 60, email: "x@y.test")
        let again = try await authority.verify(issued)
        #expect(again.userID == Self.user && again.email == "x@y.test")
        let header = try #require(issued.split(separator: ".").first.flatMap { Base64URL.decode(String($0)) })
        #expect(String(decoding: header, as: UTF8.self).contains("\"HS256\""))
        await #expect(throws: AccountsError.badRequest("A token's lifetime must be 1 to 31622400 seconds (got 0).")) {
            try await authority.issue(userID: Self.user, ttl: 0)
        }
    }

    @Test("forged, wrongly signed, unsigned, malformed and unsupported tokens are refused")
    func forgedTokens() async throws {
        let authority = try await TokenAuthority(secret: Self.secret)
        let valid = try await Self.hs256(Self.claims())
        let parts = valid.split(separator: ".").map(String.init)

        // A payload swapped for another user's, the signature kept.
        let otherPayload = Self.base64URL(try JSONEncoder().encode(Self.claims(sub: UUID().uuidString)))
        #expect(await Self.refusal(authority, "\(parts[0]).\(otherPayload).\(parts[2])") == Self.unauthorized("the signature does not verify"))
        // Signed with another secret.
        let wrong = try await Self.hs256(Self.claims(), secret: String(repeating: "x", count: 40))
        #expect(await Self.refusal(authority, wrong) == Self.unauthorized("the signature does not verify"))
        // alg none, with and without a signature; and its case variants.
        for alg in ["none", "None", "NONE"] {
            let header = Self.base64URL(Data("{\"alg\":\"\(alg)\",\"typ\":\"JWT\"}".utf8))
            #expect(await Self.refusal(authority, "\(header).\(parts[1]).") == Self.unauthorized("unsigned tokens (alg none) are not accepted"))
            #expect(await Self.refusal(authority, "\(header).\(parts[1]).\(parts[2])") == Self.unauthorized("unsigned tokens (alg none) are not accepted"))
        }
        // Unknown algorithms, a missing alg, a crit header.
        let hs512 = Self.base64URL(Data("{\"alg\":\"HS512\",\"typ\":\"JWT\"}".utf8))
        #expect(await Self.refusal(authority, "\(hs512).\(parts[1]).\(parts[2])") == Self.unauthorized("algorithm \"HS512\" is not accepted (HS256, RS256, ES256)"))
        let noAlg = Self.base64URL(Data("{\"typ\":\"JWT\"}".utf8))
        #expect(await Self.refusal(authority, "\(noAlg).\(parts[1]).\(parts[2])") == Self.unauthorized("the header has no alg"))
        let crit = Self.base64URL(Data("{\"alg\":\"HS256\",\"crit\":[\"exp\"]}".utf8))
        #expect(await Self.refusal(authority, "\(crit).\(parts[1]).\(parts[2])") == Self.unauthorized("critical header extensions (crit) are not supported"))
        // Not a JWT at all.
        for garbage in ["", "abc", "a.b", "a.b.c.d", "!!!.???.***", "\(Self.base64URL(Data("[1]".utf8))).x.y", String(repeating: "a", count: 20_000)] {
            #expect(await Self.refusal(authority, garbage) != nil, "\(garbage.prefix(20))")
        }
        // RS256/ES256 with no JWKS configured: no key has that kid.
        let rs = Self.base64URL(Data("{\"alg\":\"RS256\",\"kid\":\"k1\"}".utf8))
        #expect(await Self.refusal(authority, "\(rs).\(parts[1]).\(parts[2])") == Self.unauthorized("unknown signing key \"k1\""))
    }

    @Test("exp is enforced, nbf honoured, aud must be authenticated, sub must be a user id, with a clock under control")
    func claimChecks() async throws {
        let clock = ManualClock()
        let authority = try await TokenAuthority(secret: Self.secret, now: { clock.date })
        let token = try await Self.hs256(Self.claims(now: clock.date))
        #expect(try await authority.verify(token).userID == Self.user)
        clock.advance(milliseconds: 3_599_999)
        #expect(try await authority.verify(token).userID == Self.user)
        clock.advance(milliseconds: 1)
        let expiry = Date(millisecondsSince1970: clock.now).iso8601Milliseconds
        #expect(await Self.refusal(authority, token) == Self.unauthorized("it expired at \(expiry)"))
        let lenient = try await TokenAuthority(secret: Self.secret, leewaySeconds: 30, now: { clock.date })
        #expect(try await lenient.verify(token).userID == Self.user)

        var claims = Self.claims(now: clock.date)
        claims.nbf = NumericDate(seconds: clock.date.timeIntervalSince1970 + 10)
        let early = try await Self.hs256(claims)
        #expect(await Self.refusal(authority, early) == Self.unauthorized("it is not valid before \(Date(timeIntervalSince1970: claims.nbf?.seconds ?? 0).iso8601Milliseconds)"))
        clock.advance(milliseconds: 10_000)
        #expect(try await authority.verify(early).userID == Self.user)

        claims = Self.claims(now: clock.date)
        claims.exp = nil
        #expect(await Self.refusal(authority, try await Self.hs256(claims)) == Self.unauthorized("it has no expiry (exp)"))
        claims = Self.claims(now: clock.date)
        claims.aud = Audience(["anon"])
        #expect(await Self.refusal(authority, try await Self.hs256(claims)) == Self.unauthorized("its audience (aud) must include \"authenticated\""))
        claims.aud = Audience([])
        #expect(await Self.refusal(authority, try await Self.hs256(claims)) == Self.unauthorized("its audience (aud) must include \"authenticated\""))
        claims.aud = Audience(["other", "authenticated"])
        #expect(try await authority.verify(try await Self.hs256(claims)).userID == Self.user)
        claims.sub = "service_role"
        #expect(await Self.refusal(authority, try await Self.hs256(claims)) == Self.unauthorized("its subject (sub) is not a user id"))
        claims.sub = nil
        #expect(await Self.refusal(authority, try await Self.hs256(claims)) == Self.unauthorized("its subject (sub) is not a user id"))
    }

    @Test("ES256 and RS256 tokens verify by kid from a JWKS file; unknown kids and mismatched algorithms are refused")
    func jwks() async throws {
        let ecKey = ES256PrivateKey()
        let ecParameters = try #require(ecKey.publicKey.parameters)
        let rsaKey = try Insecure.RSA.PrivateKey(backing: _RSA.Signing.PrivateKey(keySize: .bits2048))
        let rsaPrimitives = try rsaKey.publicKey.getKeyPrimitives()
        let jwks = """
        {"keys": [
          {"kty": "EC", "crv": "P-256", "kid": "ec-1", "alg": "ES256", "use": "sig",
           "x": "\(Self.base64URL(fromBase64: ecParameters.x))", "y": "\(Self.base64URL(fromBase64: ecParameters.y))"},
          {"kty": "RSA", "kid": "rsa-1", "n": "\(Self.base64URL(rsaPrimitives.modulus))", "e": "\(Self.base64URL(rsaPrimitives.publicExponent))"},
          {"kty": "oct", "kid": "secret-in-a-public-file", "k": "dGhlLXN5bW1ldHJpYy1rZXktc29tZW9uZS1wdXQtaW4tYS1wdWJsaWMtZmlsZQ"}
        ]}
        """
        let path = temporaryDirectory() + ".jwks.json"
        try Data(jwks.utf8).write(to: URL(fileURLWithPath: path))
        defer { try? FileManager.default.removeItem(atPath: path) }
        var configuration = TokenAuthority.Configuration()
        configuration.secret = Self.secret
        configuration.jwksFile = path
        let authority = try await TokenAuthority.load(configuration, dataDirectory: "/nonexistent")

        let signers = JWTKeyCollection()
        await signers.add(ecdsa: ecKey, kid: "ec-1")
        await signers.add(rsa: rsaKey, digestAlgorithm: .sha256, kid: "rsa-1")
        let es256 = try await signers.sign(Self.claims(), kid: "ec-1")
        let rs256 = try await signers.sign(Self.claims(), kid: "rsa-1")
        #expect(try await authority.verify(es256).userID == Self.user)
        #expect(try await authority.verify(rs256).userID == Self.user)
        // HS256 still works beside them.
        #expect(try await authority.verify(try await Self.hs256(Self.claims())).userID == Self.user)

        // A key the file does not have, even if it signed correctly.
        let stranger = JWTKeyCollection()
        await stranger.add(ecdsa: ES256PrivateKey(), kid: "ec-2")
        #expect(await Self.refusal(authority, try await stranger.sign(Self.claims(), kid: "ec-2")) == Self.unauthorized("unknown signing key \"ec-2\""))
        // Another key under a known kid.
        let impostor = JWTKeyCollection()
        await impostor.add(ecdsa: ES256PrivateKey(), kid: "ec-1")
        #expect(await Self.refusal(authority, try await impostor.sign(Self.claims(), kid: "ec-1")) == Self.unauthorized("the signature does not verify"))
        // An ES256 token naming the RSA key, and one naming no key.
        let parts = es256.split(separator: ".").map(String.init)
        let mismatched = Self.base64URL(Data("{\"alg\":\"ES256\",\"kid\":\"rsa-1\",\"typ\":\"JWT\"}".utf8))
        #expect(await Self.refusal(authority, "\(mismatched).\(parts[1]).\(parts[2])") == Self.unauthorized("key \"rsa-1\" signs RS256, not ES256"))
        let noKid = Self.base64URL(Data("{\"alg\":\"ES256\",\"typ\":\"JWT\"}".utf8))
        #expect(await Self.refusal(authority, "\(noKid).\(parts[1]).\(parts[2])") == Self.unauthorized("ES256 tokens must name their key (kid)"))
        // The symmetric key of the file was skipped: HS256 with it and its kid is checked against the secret only.
        let octSigned = JWTKeyCollection()
        await octSigned.add(hmac: HMACKey(from: "the-symmetric-key-someone-put-in-a-public-file"), digestAlgorithm: .sha256, kid: "secret-in-a-public-file")
        #expect(await Self.refusal(authority, try await octSigned.sign(Self.claims(), kid: "secret-in-a-public-file")) == Self.unauthorized("the signature does not verify"))
    }

    @Test("unusable key configurations are refused at start with a message")
    func setupErrors() async throws {
        await #expect(throws: TokenAuthority.SetupError(description: "the JWT secret must be at least 32 bytes long")) {
            try await TokenAuthority(secret: "short")
        }
        await #expect(throws: TokenAuthority.SetupError(description: "CAMPUS_SEARCH_JWKS_FILE has no RS256 or ES256 (P-256) key with a kid")) {
            try await TokenAuthority(secret: Self.secret, jwks: "{\"keys\": [{\"kty\": \"oct\", \"kid\": \"a\", \"k\": \"c2VjcmV0\"}]}")
        }
        await #expect(throws: TokenAuthority.SetupError(description: "CAMPUS_SEARCH_JWKS_FILE is not a JSON Web Key Set ({\"keys\": [...]})")) {
            try await TokenAuthority(secret: Self.secret, jwks: "not json")
        }
        var configuration = TokenAuthority.Configuration()
        configuration.secret = Self.secret
        configuration.jwksFile = "/nonexistent/jwks.json"
        await #expect(throws: TokenAuthority.SetupError(description: "cannot read CAMPUS_SEARCH_JWKS_FILE /nonexistent/jwks.json; check the path and its permissions")) {
            try await TokenAuthority.load(configuration, dataDirectory: "/nonexistent")
        }
        #expect(throws: TokenAuthority.SetupError(description: "invalid CAMPUS_SEARCH_JWT_LEEWAY_SECONDS=\"-1\": expected seconds 0...300")) {
            try TokenAuthority.Configuration(environment: ["CAMPUS_SEARCH_JWT_LEEWAY_SECONDS": "-1"])
        }
        let parsed = try TokenAuthority.Configuration(environment: ["CAMPUS_SEARCH_JWT_SECRET": "s", "CAMPUS_SEARCH_JWKS_FILE": ""])
        #expect(parsed.secret == "s" && parsed.jwksFile == nil && parsed.leewaySeconds == 0)
    }

    @Test("the Authorization header is read as the platform reads it")
    func bearerParsing() {
        #expect(TokenAuthority.bearerToken(fromAuthorization: "Bearer abc") == "abc")
        #expect(TokenAuthority.bearerToken(fromAuthorization: nil) == nil)
        #expect(TokenAuthority.bearerToken(fromAuthorization: "bearer abc") == nil)
        #expect(TokenAuthority.bearerToken(fromAuthorization: "Bearer  abc") == nil)
        #expect(TokenAuthority.bearerToken(fromAuthorization: "Bearer abc def") == nil)
        #expect(TokenAuthority.bearerToken(fromAuthorization: "Bearer ") == nil)
        #expect(TokenAuthority.bearerToken(fromAuthorization: "Basic dXNlcjpwYXNz") == nil)
    }

    @Test("authenticate: role and organisation from our records; unknown users anonymous; deactivated users returned for authorize to refuse")
    func authenticate() async throws {
        let fixture = try StoreFixture()
        defer { fixture.cleanup() }
        let acme = try fixture.organization("Acme", tier: .premium)
        let user = try fixture.user("ann@acme.test", in: acme, role: .admin)
        let authority = try await TokenAuthority(secret: Self.secret)
        // The token claims "superadmin"; our record says admin, and the record wins.
        var claims = Self.claims(sub: user.id.uuidString)
        claims.role = "superadmin"
        let token = try await Self.hs256(claims)
        let principal = try #require(try await authority.authenticate(authorization: "Bearer \(token)", in: fixture.store))
        #expect(principal.role == .admin && principal.organizationID == acme.id && principal.tier == .premium)
        #expect(principal.scope == .organization(acme.id))

        #expect(try await authority.authenticate(authorization: "Bearer \(try await Self.hs256(Self.claims()))", in: fixture.store) == nil)
        #expect(try await authority.authenticate(authorization: "Bearer not.a.token", in: fixture.store) == nil)
        #expect(try await authority.authenticate(authorization: nil, in: fixture.store) == nil)

        let root = try fixture.principal(try fixture.user("root@acme.test", in: acme, role: .superadmin))
        _ = try fixture.store.setUserActivation(userID: user.id, isActive: false, by: root)
        let deactivated = try #require(try await authority.authenticate(authorization: "Bearer \(token)", in: fixture.store))
        #expect(throws: AccountsError.forbidden(ProcedureKind.deactivatedMessage)) { try ProcedureKind.protected.authorize(deactivated) }
    }

    @Test("the data directory's secret: generated once with mode 0600, reused, and agreed on by racing creators")
    func secretFile() throws {
        let directory = temporaryDirectory()
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let secrets = Mutex<[String]>([])
        DispatchQueue.concurrentPerform(iterations: 8) { _ in
            if let secret = try? JWTSecretFile.loadOrCreate(dataDirectory: directory) { secrets.withLock { $0.append(secret) } }
        }
        let all = secrets.withLock { $0 }
        #expect(all.count == 8 && Set(all).count == 1)
        let secret = try #require(all.first)
        #expect(secret.count == 64 && secret.allSatisfy(\.isHexDigit))
        let path = directory + "/jwt-secret"
        let attributes = try FileManager.default.attributesOfItem(atPath: path)
        #expect((attributes[.posixPermissions] as? NSNumber)?.intValue == 0o600)
        #expect(try JWTSecretFile.loadOrCreate(dataDirectory: directory) == secret)
        #expect(try FileManager.default.contentsOfDirectory(atPath: directory) == ["jwt-secret"])

        try Data("short\n".utf8).write(to: URL(fileURLWithPath: path))
        #expect(throws: JWTSecretFile.Failure(description: "\(path) holds fewer than 32 characters; delete it to have a new secret generated, or set CAMPUS_SEARCH_JWT_SECRET")) {
            try JWTSecretFile.loadOrCreate(dataDirectory: directory)
        }
    }
}
