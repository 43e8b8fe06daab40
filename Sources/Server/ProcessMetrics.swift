import Foundation

#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// The process collector Prometheus' own clients have, read from `/proc` at each scrape (Linux; elsewhere
/// nothing is written):
/// `process_cpu_seconds_total`, `process_resident_memory_bytes`, `process_virtual_memory_bytes`,
/// `process_open_fds`, `process_max_fds`, `process_threads`, `process_start_time_seconds`.
enum ProcessMetrics {
    struct Sample: Sendable, Equatable {
        var cpuSeconds: Double
        var residentBytes: Double
        var virtualBytes: Double
        var openFDs: Double
        var maxFDs: Double?
        var threads: Double
        var startTimeSeconds: Double
    }

    /// This process, or nil where `/proc` is missing or unreadable.
    static func sample() -> Sample? {
        guard let stat = try? String(contentsOfFile: "/proc/self/stat", encoding: .utf8),
              let systemStat = try? String(contentsOfFile: "/proc/stat", encoding: .utf8) else { return nil }
        let bootTime = systemStat.split(separator: "\n").first { $0.hasPrefix("btime ") }
            .flatMap { Double($0.dropFirst(6).trimmingCharacters(in: .whitespaces)) }
        let openFDs = (try? FileManager.default.contentsOfDirectory(atPath: "/proc/self/fd").count).map { Double($0) }
        var maxFDs: Double?
        if let limits = try? String(contentsOfFile: "/proc/self/limits", encoding: .utf8),
           let line = limits.split(separator: "\n").first(where: { $0.hasPrefix("Max open files") }) {
            let fields = line.dropFirst("Max open files".count).split(separator: " ", omittingEmptySubsequences: true)
            maxFDs = fields.first.flatMap { Double($0) }
        }
        return parse(stat: stat, bootTime: bootTime ?? 0, openFDs: openFDs ?? 0, maxFDs: maxFDs,
                     ticksPerSecond: Double(sysconf(Int32(_SC_CLK_TCK))), pageSize: Double(sysconf(Int32(_SC_PAGESIZE))))
    }

    /// `/proc/<pid>/stat`: fields after the parenthesised command name (which may hold spaces and parentheses).
    static func parse(stat: String, bootTime: Double, openFDs: Double, maxFDs: Double?, ticksPerSecond: Double, pageSize: Double) -> Sample? {
        guard let close = stat.lastIndex(of: ")") else { return nil }
        // fields[0] is field 3 (state); utime is field 14, stime 15, num_threads 20, starttime 22, vsize 23, rss 24.
        let fields = stat[stat.index(after: close)...].split(separator: " ", omittingEmptySubsequences: true)
        func field(_ number: Int) -> Double? {
            let index = number - 3
            return fields.indices.contains(index) ? Double(fields[index]) : nil
        }
        guard ticksPerSecond > 0, let utime = field(14), let stime = field(15), let threads = field(20), let start = field(22),
              let vsize = field(23), let rss = field(24) else { return nil }
        return Sample(
            cpuSeconds: (utime + stime) / ticksPerSecond, residentBytes: rss * pageSize, virtualBytes: vsize, openFDs: openFDs,
            maxFDs: maxFDs, threads: threads, startTimeSeconds: bootTime + start / ticksPerSecond
        )
    }

    /// The Prometheus text for `sample`.
    static func exposition(_ sample: Sample) -> String {
        var out = ""
        func family(_ name: String, _ type: String, _ help: String, _ value: Double) {
            out += "# HELP \(name) \(help)\n# TYPE \(name) \(type)\n\(name) \(format(value))\n"
        }
        family("process_cpu_seconds_total", "counter", "Total user and system CPU time spent in seconds.", sample.cpuSeconds)
        family("process_resident_memory_bytes", "gauge", "Resident memory size in bytes.", sample.residentBytes)
        family("process_virtual_memory_bytes", "gauge", "Virtual memory size in bytes.", sample.virtualBytes)
        family("process_open_fds", "gauge", "Number of open file descriptors.", sample.openFDs)
        if let maxFDs = sample.maxFDs {
            family("process_max_fds", "gauge", "Maximum number of open file descriptors.", maxFDs)
        }
        family("process_threads", "gauge", "Number of OS threads in the process.", sample.threads)
        family("process_start_time_seconds", "gauge", "Start time of the process since unix epoch in seconds.", sample.startTimeSeconds)
        return out
    }

    static func format(_ value: Double) -> String {
        if value == value.rounded(), abs(value) < 1e15 { return String(Int64(value)) }
        return String(value)
    }
}
