import ArgumentParser
import Embedding
import Foundation

/// `campus-search`: the server and its tools.
@main
struct CampusSearch: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "campus-search",
        abstract: "A native search server for course platforms: vectors, BM25, embeddings, jobs.",
        subcommands: [Serve.self, Load.self, Embed.self, Bench.self, Admin.self, Token.self],
        defaultSubcommand: nil
    )

    /// Runs the command line; a failure prints one clear line on stderr and exits non-zero.
    static func main() async {
        // First, while no thread uses BLAS: OpenBLAS's SSE3 fallback on a CPU it does not recognise is ~3.7× slower.
        BLASKernels.selectForThisCPU()
        do {
            var command = try parseAsRoot()
            if var asyncCommand = command as? any AsyncParsableCommand {
                try await asyncCommand.run()
            } else {
                try command.run()
            }
        } catch {
            exitWithOneLine(error)
        }
    }

    static func exitWithOneLine(_ error: any Error) -> Never {
        // A command that already said why (a failed benchmark threshold) just sets the status.
        if let exitCode = error as? ExitCode { Foundation.exit(exitCode.rawValue) }
        let code = exitCode(for: error)
        if code == .success || error is CleanExit {
            // --help, --version: ArgumentParser prints them itself.
            exit(withError: error)
        }
        let message: String
        if let error = error as? CLIError {
            message = error.description
        } else {
            message = fullMessage(for: error)
                .split(separator: "\n").first.map(String.init) ?? "\(error)"
        }
        let line = message.hasPrefix("Error: ") ? String(message.dropFirst(7)) : message
        FileHandle.standardError.write(Data("campus-search: \(line)\n".utf8))
        Foundation.exit(code.rawValue == 0 ? 1 : code.rawValue)
    }
}

/// A failure with a message meant for the user; printed as one line.
struct CLIError: Error, CustomStringConvertible {
    let description: String
    init(_ description: String) { self.description = description }
}
