import Foundation
import Logging
import CollectionStore
import Storage

/// Everything one data directory holds, opened once per process.
///
/// The node owns the LMDB environment; the collection registry, the platform records and the job
/// queue hang off it as later rooms land. Opening checks that the directory is usable and that an
/// existing environment was written by CampusSearch (a foreign LMDB environment is refused rather
/// than written into).
public final class Node: Sendable {
    /// The format stamp written into a new data directory.
    public static let formatVersion = "campus-search/1"

    public let dataDirectory: String
    let environment: Environment
    let meta: Table<String, String>
    /// The vector collections of this data directory.
    public let collections: CollectionRegistry

    /// A data directory that cannot be used, with a message a user can act on.
    public struct OpenError: Error, CustomStringConvertible {
        public let description: String
    }

    public init(dataDirectory: String, logger: Logger = Logger(label: "campus-search.node")) throws {
        let environment: Environment
        do {
            environment = try Environment.open(path: dataDirectory)
        } catch let error as LMDBError where error.isForeignOrCorrupt {
            throw OpenError(description: "\(dataDirectory) holds a file that is not a readable LMDB environment (\(error.message)); move it away or choose another --data-dir")
        } catch let error as StorageError {
            throw OpenError(description: error.description)
        } catch let error as LMDBError {
            throw OpenError(description: "cannot open data directory \(dataDirectory): \(error.message)")
        }
        let existing = try environment.tableNames()
        let meta: Table<String, String> = try environment.table("campus.meta")
        let stamp = try environment.read { try meta.get("format", in: $0) }
        switch stamp {
        case Self.formatVersion:
            break
        case nil where existing.isEmpty:
            try environment.write { txn in
                try meta.put(Self.formatVersion, for: "format", in: txn)
                try meta.put(ISO8601DateFormatter().string(from: Date()), for: "created", in: txn)
            }
            logger.info("initialised data directory", metadata: ["path": "\(environment.path)"])
        case nil:
            throw OpenError(description: "\(dataDirectory) is an LMDB environment of another program (tables: \(existing.prefix(5).joined(separator: ", "))); choose another --data-dir")
        case let other?:
            throw OpenError(description: "\(dataDirectory) was written by an incompatible version (\(other)); this build reads \(Self.formatVersion)")
        }
        self.dataDirectory = environment.path
        self.environment = environment
        self.meta = meta
        self.collections = try CollectionRegistry(environment: environment)
    }

    /// True when storage answers a read: what `/readyz` reports.
    public func isReady() -> Bool {
        (try? environment.read { try meta.get("format", in: $0) }) == Self.formatVersion
    }

    /// Storage figures for `/metrics` and the admin API.
    public struct StorageReport: Sendable {
        public var mapSizeBytes: Int
        public var usedBytes: Int
        public var readers: Int
        public var tables: [String: (entries: Int, pages: Int)]
    }

    public func storageReport() throws -> StorageReport {
        let stats = try environment.stats()
        return StorageReport(
            mapSizeBytes: stats.mapSize,
            usedBytes: stats.usedBytes,
            readers: stats.readers,
            tables: stats.tables.mapValues { ($0.entries, $0.pages) }
        )
    }
}
