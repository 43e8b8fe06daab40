import Accounts
import Foundation
import HTTPTypes
import Hummingbird
import HummingbirdTesting
import JSON
import Platform
import Storage
import Testing
@testable import Server

/// Two organisations with a user of every role, in the data directory of a test server, and tokens
/// for them signed with the test secret.
struct PlatformWorld: Sendable {
    let configuration: ServerConfiguration
    let accounts: AccountsStore
    let tokens: TokenAuthority
    let alpha: Organization
    let beta: Organization
    /// Users of `alpha` by role, and two of `beta`.
    let student, instructor, otherInstructor, admin, superadmin: User
    let betaInstructor, betaAdmin: User

    static func make(tier: Tier = .standard, configure: (inout ServerConfiguration) -> Void = { _ in }) async throws -> PlatformWorld {
        var configuration = testConfiguration()
        configure(&configuration)
        let environment = try DataDirectory.openEnvironment(path: configuration.dataDirectory)
        let accounts = try AccountsStore(environment: environment)
        let alpha = try accounts.createOrganization(name: "Alpha Academy", tier: tier)
        let beta = try accounts.createOrganization(name: "Beta Institute", tier: tier)
        func user(_ email: String, _ organization: Organization, _ role: Role) throws -> User {
            try accounts.createUser(NewUser(email: email, organizationID: organization.id, role: role))
        }
        return PlatformWorld(
            configuration: configuration, accounts: accounts, tokens: try await TokenAuthority(secret: testJWTSecret),
            alpha: alpha, beta: beta,
            student: try user("student@alpha.test", alpha, .student), instructor: try user("instructor@alpha.test", alpha, .instructor),
            otherInstructor: try user("other@alpha.test", alpha, .instructor), admin: try user("admin@alpha.test", alpha, .admin),
            superadmin: try user("root@alpha.test", alpha, .superadmin),
            betaInstructor: try user("instructor@beta.test", beta, .instructor), betaAdmin: try user("admin@beta.test", beta, .admin)
        )
    }

    func token(_ user: User, ttl: Int = 3600) async throws -> String {
        try await tokens.issue(userID: user.id, ttl: ttl)
    }

    func bearer(_ user: User) async throws -> HTTPFields {
        [.authorization: "Bearer \(try await token(user))"]
    }
}

/// One tRPC answer.
struct TRPCAnswer: Sendable {
    var status: HTTPResponse.Status
    var headers: HTTPFields
    var text: String
    var json: JSONValue?

    var data: JSONValue? { json?["result"]?["data"] }
    var errorCode: String? { json?["error"]?["data"]?["code"]?.stringValue }
    var errorMessage: String? { json?["error"]?["message"]?.stringValue }
}

extension TestClientProtocol {
    /// A query: `GET /trpc/<path>?input=<url-encoded JSON>`.
    func trpcQuery(_ path: String, _ input: String? = nil, headers: HTTPFields = [:]) async throws -> TRPCAnswer {
        let query = input.map { "?input=" + ($0.addingPercentEncoding(withAllowedCharacters: .alphanumerics) ?? "") } ?? ""
        return try await trpc(.get, "/trpc/\(path)\(query)", body: nil, headers: headers)
    }

    /// A mutation: `POST /trpc/<path>` with a JSON body.
    func trpcMutation(_ path: String, _ input: String, headers: HTTPFields = [:]) async throws -> TRPCAnswer {
        var fields = headers
        fields[.contentType] = "application/json"
        return try await trpc(.post, "/trpc/\(path)", body: input, headers: fields)
    }

    func trpc(_ method: HTTPRequest.Method, _ uri: String, body: String?, headers: HTTPFields = [:]) async throws -> TRPCAnswer {
        try await execute(uri: uri, method: method, headers: headers, body: body.map { ByteBuffer(string: $0) }) { response in
            let text = String(buffer: response.body)
            return TRPCAnswer(status: response.status, headers: response.headers, text: text, json: try? JSONText.parse(text))
        }
    }
}
