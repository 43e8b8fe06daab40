import ArgumentParser
import Foundation
import Hummingbird
import Logging
import NIOCore
import NIOPosix
import Platform
import Server

struct Serve: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Start the HTTP server (Qdrant REST dialect on port 6333, health, metrics).",
        discussion: """
        Flags override the environment: CAMPUS_SEARCH_DATA_DIR (./data/db), CAMPUS_SEARCH_HOST (127.0.0.1), \
        CAMPUS_SEARCH_PORT (6333), CAMPUS_SEARCH_MAX_BODY_BYTES (67108864), CAMPUS_SEARCH_LOG_LEVEL (info), \
        CAMPUS_SEARCH_SLOW_REQUEST_MS (500), CAMPUS_SEARCH_LOG_FORMAT (text; json writes one JSON object per line), \
        CAMPUS_SEARCH_DASHBOARD (on).
        """
    )

    @Option(name: .customLong("data-dir"), help: "The data directory (LMDB environment).")
    var dataDirectory: String?

    @Option(help: "The address to listen on.")
    var host: String?

    @Option(help: "The port to listen on (0 picks a free one).")
    var port: Int?

    @Option(name: .customLong("log-level"), help: "trace, debug, info, notice, warning, error or critical.")
    var logLevel: String?

    @Option(name: .customLong("log-format"), help: "text (swift-log's lines) or json (one JSON object per line).")
    var logFormat: String?

    func run() async throws {
        var configuration: ServerConfiguration
        do {
            configuration = try ServerConfiguration(environment: ProcessInfo.processInfo.environment)
            if let dataDirectory { configuration.dataDirectory = dataDirectory }
            if let host { configuration.host = host }
            if let port { configuration.port = try ServerConfiguration.parsePort(String(port), key: "--port") }
            if let logLevel {
                guard let level = Logger.Level(rawValue: logLevel.lowercased()) else {
                    throw CLIError("invalid --log-level \(logLevel.debugDescription): expected trace, debug, info, notice, warning, error or critical")
                }
                configuration.logLevel = level
            }
            if let logFormat {
                guard let format = LogFormat(rawValue: logFormat.lowercased()) else {
                    throw CLIError("invalid --log-format \(logFormat.debugDescription): expected text or json")
                }
                configuration.logFormat = format
            }
        } catch let error as ServerConfiguration.InvalidValue {
            throw CLIError(error.description)
        }
        if configuration.concurrencyOnEventLoops {
            _ = NIOSingletons.unsafeTryInstallSingletonPosixEventLoopGroupAsConcurrencyGlobalExecutor()
        }
        let level = configuration.logLevel
        switch configuration.logFormat {
        case .text:
            LoggingSystem.bootstrap { label in
                var handler = DeferredMetadataLogHandler(StreamLogHandler.standardError(label: label))
                handler.logLevel = level
                return handler
            }
        case .json:
            LoggingSystem.bootstrap { label in
                var handler = JSONLogHandler(label: label)
                handler.logLevel = level
                return handler
            }
        }
        try PortProbe.ensureFree(host: configuration.host, port: configuration.port)
        let app: any ApplicationProtocol
        do {
            app = try await buildApplication(configuration)
        } catch let error as DataDirectory.OpenError {
            throw CLIError(error.description)
        }
        try await app.runService(gracefulShutdownSignals: [.sigterm, .sigint])
    }
}
