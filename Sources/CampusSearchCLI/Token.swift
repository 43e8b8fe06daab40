import Accounts
import ArgumentParser
import Foundation
import JSON

/// `campus-search token --user ID`: a signed HS256 access token for a user of the data directory, as a Supabase
/// project would issue it, for `Authorization: Bearer`.
struct Token: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Print a signed JWT for a user, to call the API with Authorization: Bearer.",
        discussion: """
        Signs with CAMPUS_SEARCH_JWT_SECRET when it is set, else with the data directory's jwt-secret file \
        (generated on first use, as `serve` does), so the server verifies the token with no configuration. \
        The user must exist and be active.
        """
    )

    @Option(help: "The user's id (a UUID), as `admin create-user` printed it.")
    var user: String

    @Option(help: "How long the token is valid, in seconds (1 to 31622400).")
    var ttl: Int = 3600

    @OptionGroup var location: DataDirectoryOption

    func run() async throws {
        guard let userID = UUID(uuidString: user) else {
            throw CLIError("invalid --user \(user.debugDescription): expected a user id (a UUID)")
        }
        guard (1...31_622_400).contains(ttl) else {
            throw CLIError("invalid --ttl \(ttl): expected seconds 1...31622400")
        }
        let store = try location.openAccounts()
        guard let account = try store.user(id: userID) else {
            throw CLIError("no user \(userID.lowercasedString) in \(store.environment.path); create one with `campus-search admin create-user`")
        }
        guard account.isActive else {
            throw CLIError("user \(userID.lowercasedString) is deactivated; the server would refuse its token")
        }
        do {
            var configuration = try TokenAuthority.Configuration(environment: ProcessInfo.processInfo.environment)
            configuration.jwksFile = nil  // signing needs only the secret
            let authority = try await TokenAuthority.load(configuration, dataDirectory: store.environment.path)
            print(try await authority.issue(userID: userID, ttl: ttl, email: account.email))
        } catch let error as TokenAuthority.SetupError {
            throw CLIError(error.description)
        } catch let error as AccountsError {
            throw CLIError(error.message)
        }
    }
}
