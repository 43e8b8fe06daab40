import Foundation
import JSON
import Storage
import Testing
@testable import Accounts

/// The build's `campus-search` executable (built beside the test bundle by `swift build --build-tests`).
private func campusSearchExecutable() -> URL {
    URL(fileURLWithPath: CommandLine.arguments[0]).resolvingSymlinksInPath()
        .deletingLastPathComponent().appendingPathComponent("campus-search")
}

private struct CommandResult {
    var status: Int32
    var stdout: String
    var stderr: String
}

/// Runs `campus-search` with `arguments` (and `environment` over a copy of this process's, without
/// `CAMPUS_SEARCH_*` variables), killing it after 60 s.
private func run(_ arguments: [String], environment: [String: String] = [:]) throws -> CommandResult {
    let process = Process()
    process.executableURL = campusSearchExecutable()
    process.arguments = arguments
    process.environment = ProcessInfo.processInfo.environment.filter { !$0.key.hasPrefix("CAMPUS_SEARCH_") }
        .merging(environment) { $1 }
    let out = Pipe(), err = Pipe()
    process.standardOutput = out
    process.standardError = err
    try process.run()
    let deadline = Date().addingTimeInterval(60)
    while process.isRunning && Date() < deadline { usleep(20_000) }
    if process.isRunning { process.terminate() }
    process.waitUntilExit()
    return CommandResult(
        status: process.terminationStatus,
        stdout: String(decoding: out.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self),
        stderr: String(decoding: err.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self))
}

/// The one JSON object a command printed, keys in the order printed.
private func object(_ result: CommandResult) throws -> (keys: [String], value: JSONValue) {
    #expect(result.status == 0, "stderr: \(result.stderr)")
    let line = result.stdout.trimmingCharacters(in: .newlines)
    #expect(!line.contains("\n"))
    let value = try JSONText.parse(line)
    let keys = try #require(value.objectValue).keys
    // A parsed object has no order; recover the printed one from where each key appears.
    let position = { (key: String) in line.range(of: "\"\(key)\":")?.lowerBound ?? line.endIndex }
    return (keys.sorted { position($0) < position($1) }, value)
}

private func expectOneLineFailure(_ result: CommandResult, mentioning text: String) {
    #expect(result.status != 0)
    let lines = result.stderr.split(separator: "\n", omittingEmptySubsequences: true)
    #expect(lines.count == 1, "stderr was:\n\(result.stderr)")
    #expect(result.stderr.contains(text), "stderr was:\n\(result.stderr)")
    #expect(result.stdout.isEmpty)
}

@Suite("campus-search admin and token as processes", .serialized)
struct CommandLineTests {
    @Test("create-organization, create-user and token end to end: JSON out, a token the data directory's secret verifies")
    func endToEnd() async throws {
        let directory = temporaryDirectory()
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let created = try run(["admin", "create-organization", "--name", "Acme Corp", "--tier", "basic", "--data-dir", directory])
        #expect(created.stderr.isEmpty, "stderr: \(created.stderr)")
        let organization = try object(created)
        #expect(organization.keys == ["id", "name", "slug", "tier", "storageQuotaBytes", "storageUsedBytes", "createdAt", "updatedAt"])
        #expect(organization.value["name"] == .string("Acme Corp") && organization.value["tier"] == .string("basic"))
        #expect(organization.value["storageQuotaBytes"] == .int(104_857_600) && organization.value["storageUsedBytes"] == .int(0))
        let createdAt = try #require(organization.value["createdAt"]?.stringValue)
        #expect(createdAt.range(of: #"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$"#, options: .regularExpression) != nil)
        #expect(organization.value["slug"]?.stringValue?.hasPrefix("acme-corp-") == true)
        let organizationID = try #require(organization.value["id"]?.stringValue)
        // From here on this process holds the environment open, as a running server would.
        let store = try AccountsStore(environment: try Environment.open(path: directory))
        #expect(try store.organization(id: try #require(UUID(uuidString: organizationID)))?.name == "Acme Corp")

        // The default --data-dir comes from CAMPUS_SEARCH_DATA_DIR.
        let user = try object(run(["admin", "create-user", "--organization", organizationID, "--email", "ann@acme.test", "--role", "instructor"],
                                  environment: ["CAMPUS_SEARCH_DATA_DIR": directory]))
        #expect(user.keys == ["id", "email", "role", "organizationId", "isActive", "createdAt", "updatedAt"])
        #expect(user.value["email"] == .string("ann@acme.test") && user.value["role"] == .string("instructor"))
        #expect(user.value["organizationId"] == .string(organizationID) && user.value["isActive"] == .bool(true))
        let userID = try #require(user.value["id"]?.stringValue.flatMap(UUID.init(uuidString:)))
        #expect(try store.user(id: userID)?.email == "ann@acme.test")  // seen at once by the open environment

        let token = try run(["token", "--user", userID.uuidString, "--ttl", "120", "--data-dir", directory])
        #expect(token.status == 0, "stderr: \(token.stderr)")
        let jwt = token.stdout.trimmingCharacters(in: .newlines)
        #expect(jwt.split(separator: ".").count == 3)

        // What a server on this directory would do: read the generated secret, verify, look the user up.
        let secretPath = directory + "/jwt-secret"
        let permissions = try FileManager.default.attributesOfItem(atPath: secretPath)[.posixPermissions] as? NSNumber
        #expect(permissions?.intValue == 0o600)
        let secret = try JWTSecretFile.loadOrCreate(dataDirectory: directory)
        let authority = try await TokenAuthority(secret: secret)
        let verified = try await authority.verify(jwt)
        #expect(verified.userID == userID && verified.email == "ann@acme.test")
        #expect(verified.expiresAt.timeIntervalSinceNow <= 120 && verified.expiresAt.timeIntervalSinceNow > 60)
        let principal = try #require(try await authority.authenticate(authorization: "Bearer \(jwt)", in: store))
        #expect(principal.role == .instructor && principal.organization.name == "Acme Corp")

        // With CAMPUS_SEARCH_JWT_SECRET set, that secret signs instead.
        let configured = String(repeating: "k", count: 40)
        let other = try run(["token", "--user", userID.uuidString, "--data-dir", directory], environment: ["CAMPUS_SEARCH_JWT_SECRET": configured])
        let otherJWT = other.stdout.trimmingCharacters(in: .newlines)
        #expect(try await TokenAuthority(secret: configured).verify(otherJWT).userID == userID)
        #expect(await (try? authority.verify(otherJWT)) == nil)
    }

    @Test("token commands racing on a fresh data directory generate one secret and all sign with it")
    func racingSecretCreation() async throws {
        let directory = temporaryDirectory()
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let organization = try object(run(["admin", "create-organization", "--name", "Race", "--tier", "free", "--data-dir", directory]))
        let organizationID = try #require(organization.value["id"]?.stringValue)
        let user = try object(run(["admin", "create-user", "--organization", organizationID, "--email", "r@race.test", "--role", "student", "--data-dir", directory]))
        let userID = try #require(user.value["id"]?.stringValue)
        #expect(!FileManager.default.fileExists(atPath: directory + "/jwt-secret"))
        let processes = try (0..<4).map { _ in
            let process = Process()
            process.executableURL = campusSearchExecutable()
            process.arguments = ["token", "--user", userID, "--data-dir", directory]
            process.environment = ProcessInfo.processInfo.environment.filter { !$0.key.hasPrefix("CAMPUS_SEARCH_") }
            let out = Pipe()
            process.standardOutput = out
            return (process, out)
        }
        for (process, _) in processes { try process.run() }
        let authority = try await TokenAuthority(secret: try JWTSecretFile.loadOrCreate(dataDirectory: directory))
        for (process, out) in processes {
            process.waitUntilExit()
            #expect(process.terminationStatus == 0)
            let token = String(decoding: out.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self).trimmingCharacters(in: .newlines)
            #expect(try await authority.verify(token).userID.uuidString.lowercased() == userID)
        }
        #expect(try FileManager.default.contentsOfDirectory(atPath: directory).filter { $0.contains("jwt-secret") } == ["jwt-secret"])
    }

    @Test("refusals print one line on stderr and exit non-zero")
    func failures() throws {
        let directory = temporaryDirectory()
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let organization = try object(run(["admin", "create-organization", "--name", "Acme", "--tier", "free", "--data-dir", directory]))
        let organizationID = try #require(organization.value["id"]?.stringValue)

        expectOneLineFailure(try run(["admin", "create-organization", "--name", "ACME", "--tier", "free", "--data-dir", directory]),
                             mentioning: "An organization named \"ACME\" already exists.")
        expectOneLineFailure(try run(["admin", "create-organization", "--name", "Other", "--tier", "gold", "--data-dir", directory]),
                             mentioning: "invalid --tier \"gold\"")
        expectOneLineFailure(try run(["admin", "create-organization", "--name", "Xy", "--tier", "free", "--data-dir", directory]),
                             mentioning: "Organization name must be between 3 and 100 characters.")
        expectOneLineFailure(try run(["admin", "create-organization", "--tier", "free", "--data-dir", directory]), mentioning: "--name")
        expectOneLineFailure(try run(["admin", "create-user", "--organization", "nope", "--email", "a@b.test", "--role", "admin", "--data-dir", directory]),
                             mentioning: "invalid --organization \"nope\"")
        expectOneLineFailure(try run(["admin", "create-user", "--organization", UUID().uuidString, "--email", "a@b.test", "--role", "admin", "--data-dir", directory]),
                             mentioning: "Organization not found")
        expectOneLineFailure(try run(["admin", "create-user", "--organization", organizationID, "--email", "a@b.test", "--role", "owner", "--data-dir", directory]),
                             mentioning: "invalid --role \"owner\"")
        expectOneLineFailure(try run(["admin", "create-user", "--organization", organizationID, "--email", "not-an-address", "--role", "admin", "--data-dir", directory]),
                             mentioning: "Invalid email address: \"not-an-address\".")
        let missingUser = UUID()
        expectOneLineFailure(try run(["token", "--user", missingUser.uuidString, "--data-dir", directory]),
                             mentioning: "no user \(missingUser.uuidString.lowercased())")
        expectOneLineFailure(try run(["token", "--user", missingUser.uuidString, "--ttl", "0", "--data-dir", directory]),
                             mentioning: "invalid --ttl 0")
        // A data directory that is not one.
        let file = temporaryDirectory()
        try Data("not a directory".utf8).write(to: URL(fileURLWithPath: file))
        defer { try? FileManager.default.removeItem(atPath: file) }
        expectOneLineFailure(try run(["admin", "create-organization", "--name", "Acme", "--tier", "free", "--data-dir", file]),
                             mentioning: "data directory")
    }

    @Test("--help describes each command")
    func help() throws {
        for (command, text) in [(["admin", "create-organization"], "--tier"), (["admin", "create-user"], "--organization"), (["token"], "--ttl")] {
            let result = try run(command + ["--help"])
            #expect(result.status == 0)
            #expect(result.stdout.contains(text) && result.stdout.contains("--data-dir"))
        }
    }
}
