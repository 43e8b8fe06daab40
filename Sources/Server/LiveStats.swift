import Foundation
import Histogram
import Synchronization

/// Rolling latency figures for the dashboard, kept by the server itself: per route (method and matched
/// pattern) and per tRPC procedure, HDR histograms of the last minutes, so `/dashboard/api/routes` answers
/// p50/p95/p99 and the request rate without a Prometheus.
///
/// Each series keeps 10-second slots for the last `windowSeconds` (5 minutes): a count, a failure count and
/// a latency histogram in microseconds (1 µs … 100 s, two significant digits, made when a slot first sees a
/// request). A slot older than the window is reused.
final class LiveStats: Sendable {
    enum Kind: String, Sendable {
        case route, procedure
    }

    struct Key: Hashable, Sendable {
        let kind: Kind
        let name: String
    }

    static let slotSeconds: Int64 = 10
    static let slotCount = 30
    static var windowSeconds: Int64 { slotSeconds * Int64(slotCount) }
    /// Series kept at most; a request of a new name past that counts only in the total.
    static let maxSeries = 512
    static let highestMicroseconds: UInt64 = 100_000_000

    struct Slot: Sendable {
        var start: Int64 = -1
        var count = 0
        var failures = 0
        var histogram: Histogram<UInt32>?
    }

    struct Series: Sendable {
        var slots = [Slot](repeating: Slot(), count: LiveStats.slotCount)

        mutating func record(now: Int64, micros: UInt64, failed: Bool) {
            let start = now - now % LiveStats.slotSeconds
            let index = Int((start / LiveStats.slotSeconds) % Int64(LiveStats.slotCount))
            if slots[index].start != start {
                slots[index].start = start
                slots[index].count = 0
                slots[index].failures = 0
                slots[index].histogram?.reset()
            }
            slots[index].count += 1
            if failed { slots[index].failures += 1 }
            if slots[index].histogram == nil {
                slots[index].histogram = Histogram<UInt32>(
                    lowestDiscernibleValue: 1, highestTrackableValue: LiveStats.highestMicroseconds, numberOfSignificantValueDigits: .two
                )
            }
            _ = slots[index].histogram?.record(min(max(micros, 1), LiveStats.highestMicroseconds))
        }

        /// The slots inside the window ending at `now`, oldest first.
        func live(now: Int64, seconds: Int64) -> [Slot] {
            let current = now - now % LiveStats.slotSeconds
            let oldest = current - (seconds - LiveStats.slotSeconds)
            return slots.filter { $0.start >= oldest && $0.start <= current }.sorted { $0.start < $1.start }
        }
    }

    /// One series' figures over a window.
    struct Summary: Sendable {
        var kind: Kind
        var name: String
        var count: Int
        var failures: Int
        var ratePerSecond: Double
        var p50Milliseconds: Double
        var p95Milliseconds: Double
        var p99Milliseconds: Double
        var maxMilliseconds: Double
        /// Requests per slot, oldest first, one entry per slot of the window (zeros included).
        var counts: [Int]
        /// p95 per slot in milliseconds (0 for an empty slot).
        var p95Series: [Double]
    }

    private let state = Mutex<[Key: Series]>([:])
    private let total = Mutex(Series())
    private let clock: @Sendable () -> Double
    let startedAt: Double

    init(clock: @escaping @Sendable () -> Double = { Date().timeIntervalSince1970 }) {
        self.clock = clock
        self.startedAt = clock()
    }

    var now: Double { clock() }

    func record(kind: Kind, name: String, nanoseconds: UInt64, failed: Bool) {
        let now = Int64(clock())
        let micros = nanoseconds / 1_000
        let key = Key(kind: kind, name: name)
        state.withLock { series in
            if series[key] == nil, series.count >= Self.maxSeries { return }
            series[key, default: Series()].record(now: now, micros: micros, failed: failed)
        }
        if kind == .route { total.withLock { $0.record(now: now, micros: micros, failed: failed) } }
    }

    /// Every series with traffic in the last `seconds` (10…300), busiest first.
    func summaries(seconds: Int64) -> [Summary] {
        let now = Int64(clock())
        let window = Self.clampWindow(seconds)
        let copy = state.withLock { $0 }
        let uptime = clock() - startedAt
        return copy.compactMap { key, series in
            Self.summarize(series, kind: key.kind, name: key.name, now: now, seconds: window, uptime: uptime)
        }
        .sorted { $0.count != $1.count ? $0.count > $1.count : $0.name < $1.name }
    }

    /// All HTTP requests together.
    func overall(seconds: Int64) -> Summary {
        let now = Int64(clock())
        let window = Self.clampWindow(seconds)
        let series = total.withLock { $0 }
        let uptime = clock() - startedAt
        return Self.summarize(series, kind: .route, name: "all", now: now, seconds: window, uptime: uptime)
            ?? Summary(kind: .route, name: "all", count: 0, failures: 0, ratePerSecond: 0, p50Milliseconds: 0, p95Milliseconds: 0,
                       p99Milliseconds: 0, maxMilliseconds: 0, counts: Array(repeating: 0, count: Int(window / Self.slotSeconds)),
                       p95Series: Array(repeating: 0, count: Int(window / Self.slotSeconds)))
    }

    static func clampWindow(_ seconds: Int64) -> Int64 {
        let clamped = min(max(seconds, slotSeconds), windowSeconds)
        return clamped - clamped % slotSeconds
    }

    private static func summarize(_ series: Series, kind: Kind, name: String, now: Int64, seconds: Int64, uptime: Double) -> Summary? {
        let slots = series.live(now: now, seconds: seconds)
        let count = slots.reduce(0) { $0 + $1.count }
        guard count > 0 else { return nil }
        var merged = Histogram<UInt32>(lowestDiscernibleValue: 1, highestTrackableValue: highestMicroseconds, numberOfSignificantValueDigits: .two)
        for slot in slots { if let histogram = slot.histogram { merged.add(histogram) } }
        let current = now - now % slotSeconds
        let slotsInWindow = Int(seconds / slotSeconds)
        var counts = [Int](repeating: 0, count: slotsInWindow)
        var p95s = [Double](repeating: 0, count: slotsInWindow)
        for slot in slots {
            let index = slotsInWindow - 1 - Int((current - slot.start) / slotSeconds)
            guard counts.indices.contains(index) else { continue }
            counts[index] = slot.count
            p95s[index] = slot.histogram.map { Double($0.valueAtPercentile(95)) / 1000 } ?? 0
        }
        // The rate divides by the time the window has really covered (a young server has not seen 5 minutes).
        let covered = max(1, min(Double(seconds - slotSeconds) + Double(now - current + 1), uptime))
        return Summary(
            kind: kind, name: name, count: count, failures: slots.reduce(0) { $0 + $1.failures },
            ratePerSecond: Double(count) / covered,
            p50Milliseconds: Double(merged.valueAtPercentile(50)) / 1000, p95Milliseconds: Double(merged.valueAtPercentile(95)) / 1000,
            p99Milliseconds: Double(merged.valueAtPercentile(99)) / 1000, maxMilliseconds: Double(merged.max) / 1000,
            counts: counts, p95Series: p95s
        )
    }
}
