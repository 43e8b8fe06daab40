import Foundation
import JWTKit

/// The claims of a Supabase access token that we read or write: `sub` (the user id), `exp`, `iat`, `nbf`,
/// `aud` (`authenticated`; a string or an array), `iss`, `role` (`authenticated`, or the platform's custom
/// claim) and `email`. Everything is optional at decoding so that a missing claim is refused with its name
/// after the signature is checked, never by a decoding failure or a trap (jwt-kit's `AudienceClaim` traps on
/// an empty array, so `aud` is decoded here).
struct TokenClaims: JWTPayload, Equatable {
    var sub: String?
    var exp: NumericDate?
    var iat: NumericDate?
    var nbf: NumericDate?
    var aud: Audience?
    var iss: String?
    var role: String?
    var email: String?

    /// Signature checks are jwt-kit's; the claims are checked by `TokenAuthority` against its own clock.
    func verify(using algorithm: some JWTAlgorithm) async throws {}
}

/// A JWT NumericDate: seconds since 1970, any JSON number; written as an integer when whole.
struct NumericDate: Codable, Equatable {
    var seconds: Double

    init(seconds: Double) { self.seconds = seconds }

    init(from decoder: any Decoder) throws {
        seconds = try decoder.singleValueContainer().decode(Double.self)
        guard seconds.isFinite else {
            throw DecodingError.dataCorrupted(.init(codingPath: decoder.codingPath, debugDescription: "not a finite number of seconds"))
        }
    }

    func encode(to encoder: any Encoder) throws {
        var container = encoder.singleValueContainer()
        if let whole = Int64(exactly: seconds) { try container.encode(whole) } else { try container.encode(seconds) }
    }

    var date: Date { Date(timeIntervalSince1970: seconds) }
}

/// `aud`: one string or an array of strings (RFC 7519 §4.1.3); written as a string when there is one.
struct Audience: Codable, Equatable {
    var values: [String]

    init(_ values: [String]) { self.values = values }

    init(from decoder: any Decoder) throws {
        let container = try decoder.singleValueContainer()
        if let single = try? container.decode(String.self) {
            values = [single]
        } else {
            values = try container.decode([String].self)
        }
    }

    func encode(to encoder: any Encoder) throws {
        var container = encoder.singleValueContainer()
        if values.count == 1 { try container.encode(values[0]) } else { try container.encode(values) }
    }
}
