import Metrics
import Platform

/// Gauges for the LMDB environment, refreshed each time `/metrics` is scraped.
final class StorageGauges: Sendable {
    static let shared = StorageGauges()

    private let mapSize = Gauge(label: "campus_storage_map_size_bytes")
    private let used = Gauge(label: "campus_storage_used_bytes")
    private let readers = Gauge(label: "campus_storage_readers")

    func update(from dataDirectory: DataDirectory) {
        guard let report = try? dataDirectory.storageReport() else { return }
        mapSize.record(report.mapSizeBytes)
        used.record(report.usedBytes)
        readers.record(report.readers)
    }
}
