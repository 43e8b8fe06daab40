import Foundation
import Metrics
import Prometheus
import Synchronization

/// The process-wide Prometheus registry behind swift-metrics.
///
/// `MetricsSystem.bootstrap` may run only once per process, so every `buildApplication` (the server
/// and each test) shares this registry. Metric and label names are sanitised to Prometheus rules
/// (`http.server.request.duration` → `http_server_request_duration`), and duration histograms get
/// buckets from 50 µs to 10 s, fine enough for a sub-millisecond search path (the Jobs room's
/// `campus_job_duration_seconds` and `campus_job_wait_seconds` get buckets from 1 ms to 10 minutes).
///
/// With metrics off (`ServerConfiguration.metricsEnabled`), swift-metrics gets its no-op backend instead and
/// the registry stays empty. The first `bootstrap(enabled:)` of the process decides; later calls only read it.
public enum CampusMetrics {
    public static let registry = PrometheusCollectorRegistry()

    /// nil until the process has bootstrapped swift-metrics; then whether it records.
    private static let decision = Mutex<Bool?>(nil)

    private static func prometheusFactory() -> PrometheusMetricsFactory {
        var factory = PrometheusMetricsFactory(registry: registry)
        factory.defaultDurationHistogramBuckets = [
            .microseconds(50), .microseconds(100), .microseconds(250), .microseconds(500),
            .milliseconds(1), .microseconds(2500), .milliseconds(5), .milliseconds(10), .milliseconds(25),
            .milliseconds(50), .milliseconds(100), .milliseconds(250), .milliseconds(500),
            .seconds(1), .microseconds(2_500_000), .seconds(5), .seconds(10),
        ]
        // Jobs take milliseconds to many minutes and may wait as long: their histograms reach 10 minutes.
        let jobBuckets: [Duration] = [
            .milliseconds(1), .milliseconds(5), .milliseconds(10), .milliseconds(50), .milliseconds(100),
            .milliseconds(500), .seconds(1), .seconds(5), .seconds(10), .seconds(30), .seconds(60),
            .seconds(300), .seconds(600),
        ]
        factory.durationHistogramBuckets["campus_job_duration_seconds"] = jobBuckets
        factory.durationHistogramBuckets["campus_job_wait_seconds"] = jobBuckets
        // Sizes in bytes: 64 B … 256 MiB by powers of four; tRPC batches: 1 … 128 procedures; group commits: 1 … 4,096 writes.
        factory.valueHistogramBuckets["http_server_request_size_bytes"] = byteBuckets
        factory.valueHistogramBuckets["http_server_response_size_bytes"] = byteBuckets
        factory.valueHistogramBuckets["campus_trpc_batch_size"] = [1, 2, 4, 8, 16, 32, 64, 128]
        factory.valueHistogramBuckets["campus_group_commit_batch_size"] = [1, 2, 4, 8, 16, 32, 64, 128, 256, 512, 1024, 4096]
        factory.valueHistogramBuckets["campus_query_results"] = [0, 1, 5, 10, 20, 50, 100, 1_000, 10_000]
        factory.nameAndLabelSanitizer = { name, labels in
            (sanitize(name), labels.map { (sanitize($0.0), $0.1) })
        }
        return factory
    }

    static let byteBuckets: [Double] = (0...11).map { 64 * pow(4, Double($0)) }

    /// Bootstraps swift-metrics once per process (Prometheus when `enabled`, else no-op) and answers whether
    /// metrics are recorded; call before creating any metric.
    @discardableResult
    public static func bootstrap(enabled: Bool = true) -> Bool {
        decision.withLock { decision in
            if let decided = decision { return decided }
            if enabled {
                MetricsSystem.bootstrap(prometheusFactory())
            } else {
                MetricsSystem.bootstrap(NOOPMetricsHandler.instance)
            }
            decision = enabled
            return enabled
        }
    }

    static func sanitize(_ name: String) -> String {
        var out = ""
        out.reserveCapacity(name.utf8.count)
        for (i, scalar) in name.unicodeScalars.enumerated() {
            let ok = scalar == "_" || scalar == ":" || ("a"..."z").contains(scalar) || ("A"..."Z").contains(scalar)
                || (i > 0 && ("0"..."9").contains(scalar))
            out.unicodeScalars.append(ok ? scalar : "_")
        }
        return out
    }

    /// The Prometheus text exposition of every metric.
    public static func exposition() -> [UInt8] {
        var buffer: [UInt8] = []
        buffer.reserveCapacity(16 << 10)
        registry.emit(into: &buffer)
        return buffer
    }
}
