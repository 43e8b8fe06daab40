import Accounts
import ArgumentParser
import Foundation
import JSON
import Logging
import Platform

/// `campus-search admin …`: organisations and users written straight into a data directory, beside a running
/// server or not (LMDB is multi-process; the server reads users per request, so it sees them at once).
struct Admin: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Create organisations and users in a data directory.",
        subcommands: [CreateOrganization.self, CreateUser.self]
    )

    struct CreateOrganization: ParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "create-organization",
            abstract: "Create an organisation and print it as JSON.",
            discussion: """
            Prints {"id","name","slug","tier","storageQuotaBytes","storageUsedBytes","createdAt","updatedAt"}. \
            The name must be 3 to 100 characters and not taken (case-insensitively); the quota is the tier's.
            """
        )

        @Option(help: "The organisation's name (3 to 100 characters, unique).")
        var name: String

        @Option(help: "trial, free, basic, standard or premium.")
        var tier: String

        @OptionGroup var location: DataDirectoryOption

        func run() throws {
            guard let tier = Tier(rawValue: tier) else {
                throw CLIError("invalid --tier \(tier.debugDescription): expected trial, free, basic, standard or premium")
            }
            let store = try location.openAccounts()
            let organization = try accounts { try store.createOrganization(name: name, tier: tier) }
            printLine(organization.wire)
        }
    }

    struct CreateUser: ParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "create-user",
            abstract: "Create a user in an organisation and print it as JSON.",
            discussion: """
            Prints {"id","email","role","organizationId","isActive","createdAt","updatedAt"}. The e-mail address \
            must not be taken (case-insensitively). Sign in as the user with `campus-search token --user ID`.
            """
        )

        @Option(help: "The organisation's id (a UUID).")
        var organization: String

        @Option(help: "The user's e-mail address (unique).")
        var email: String

        @Option(help: "student, instructor, admin or superadmin.")
        var role: String

        @OptionGroup var location: DataDirectoryOption

        func run() throws {
            guard let organizationID = UUID(uuidString: organization) else {
                throw CLIError("invalid --organization \(organization.debugDescription): expected an organisation id (a UUID)")
            }
            guard let role = Role(rawValue: role) else {
                throw CLIError("invalid --role \(role.debugDescription): expected student, instructor, admin or superadmin")
            }
            let store = try location.openAccounts()
            let user = try accounts { try store.createUser(NewUser(email: email, organizationID: organizationID, role: role)) }
            printLine(user.wire)
        }
    }
}

/// `--data-dir`, defaulting as `serve` does: `CAMPUS_SEARCH_DATA_DIR`, else `./data/db`.
struct DataDirectoryOption: ParsableArguments {
    @Option(name: .customLong("data-dir"), help: "The data directory (default: CAMPUS_SEARCH_DATA_DIR, else ./data/db).")
    var dataDirectory: String?

    var path: String {
        if let dataDirectory { return dataDirectory }
        if let configured = ProcessInfo.processInfo.environment["CAMPUS_SEARCH_DATA_DIR"], !configured.isEmpty { return configured }
        return "./data/db"
    }

    /// The accounts of the stamped environment only (no collections, no model): what the admin commands need.
    /// Quiet on success: standard error carries only failures, standard output only the result.
    func openAccounts() throws -> AccountsStore {
        var logger = Logger(label: "campus-search.data")
        logger.logLevel = .warning
        do {
            return try AccountsStore(environment: DataDirectory.openEnvironment(path: path, logger: logger))
        } catch let error as DataDirectory.OpenError {
            throw CLIError(error.description)
        }
    }
}

/// Runs `body`, turning an Accounts rule's refusal into a one-line CLI error with its message.
func accounts<R>(_ body: () throws -> R) throws -> R {
    do {
        return try body()
    } catch let error as AccountsError {
        throw CLIError(error.message)
    }
}

/// Writes `value` as one line of JSON on standard output.
func printLine(_ value: WireValue) {
    var bytes = value.bytes
    bytes.append(UInt8(ascii: "\n"))
    FileHandle.standardOutput.write(Data(bytes))
}
