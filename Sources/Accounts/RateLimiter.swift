import Foundation
import Synchronization

/// Per-procedure, per-caller request limits: the platform's sliding-window log (§3), in memory.
///
/// A call of a limited procedure is admitted when the caller made fewer than `limit` admitted calls in the last
/// `windowSeconds`; otherwise it is refused with the contract's message and the seconds until the oldest call
/// in the window leaves it (≥ 1), for a `Retry-After` header. Refused calls are not recorded (as the platform),
/// so a client that keeps retrying is admitted as soon as the window allows. Unlike the platform's Redis check
/// and add, the check and the record are one atomic step, so a burst cannot overshoot.
///
/// Invariants:
/// - Each (procedure, caller) key keeps a ring of at most `limit` timestamps, so a check costs O(1) amortised
///   (each timestamp is added once and dropped once).
/// - At most `maxKeys` keys are held, in least-recently-used order. Each check first drops up to two keys at
///   the old end whose newest call has left the window (they would admit anything anyway); a new key beyond
///   `maxKeys` evicts the least recently used one, which then starts afresh. Memory is bounded by about
///   `maxKeys × (8 × limit + 100)` bytes plus the key strings.
/// - One mutex guards the state; a check holds it for O(1) work. Time comes from an injected monotonic clock
///   in milliseconds, so tests control it.
public final class RateLimiter: Sendable {
    /// How the limiter runs.
    ///
    /// - `limits` ([String: Int], default `RateLimiter.contractLimits`): admitted calls per window by procedure
    ///   path (`generation.uploadFile`); a procedure not listed is unlimited.
    /// - `windowSeconds` (Int, default 60): the sliding window, the same for every procedure.
    /// - `maxKeys` (Int, default 65,536): the most (procedure, caller) keys held at once.
    public struct Configuration: Sendable {
        public var limits: [String: Int] = RateLimiter.contractLimits
        public var windowSeconds = 60
        public var maxKeys = 65_536
        public init() {}
    }

    /// The contract's table (§3): window 60 s, these limits, every other procedure unlimited.
    public static let contractLimits: [String: Int] = {
        var limits: [String: Int] = [:]
        let table: [(Int, [String])] = [
            (3, ["enrichment.createBatch"]),
            (5, ["generation.uploadFile", "generation.restartStage", "course.classifyDocuments",
                 "regeneration.batchRegenerateSections", "lessonContent.startStage6", "lessonContent.cancelStage6",
                 "enrichment.regenerateDraft"]),
            (10, ["generation.initiate", "generation.generate", "generation.cleanupCourse", "documentProcessing.retryDocument",
                  "analysis.start", "course.allocateBudget", "regeneration.regenerateSection", "lessonContent.partialGenerate",
                  "lessonContent.retryLesson", "enrichment.create", "enrichment.regenerate", "enrichment.delete",
                  "enrichment.reorder", "enrichment.cancel", "enrichment.approveDraft", "enrichment.approveCoverDraft"]),
            (20, ["lessonContent.updateLessonContent", "enrichment.updateDraft"]),
            (30, ["generation.getStatus", "lessonContent.getProgress", "lessonContent.approveLesson"]),
            (60, ["lessonContent.getLessonContent"]),
        ]
        for (limit, procedures) in table {
            for procedure in procedures { limits[procedure] = limit }
        }
        return limits
    }()

    /// Milliseconds on a monotonic clock (CLOCK_MONOTONIC): the default time source.
    public static let monotonicMilliseconds: @Sendable () -> Int64 = {
        Int64(DispatchTime.now().uptimeNanoseconds / 1_000_000)
    }

    public let configuration: Configuration
    private let now: @Sendable () -> Int64
    private let state = Mutex(State())

    /// A limiter with `configuration`; `now` gives milliseconds on a clock that never goes back.
    /// Limits below 1, a window below 1 s and `maxKeys` below 1 are raised to 1.
    public init(configuration: Configuration = Configuration(), now: @escaping @Sendable () -> Int64 = RateLimiter.monotonicMilliseconds) {
        var configuration = configuration
        configuration.limits = configuration.limits.mapValues { max(1, $0) }
        configuration.windowSeconds = max(1, configuration.windowSeconds)
        configuration.maxKeys = max(1, configuration.maxKeys)
        self.configuration = configuration
        self.now = now
    }

    /// Admits or refuses one call of `procedure` by `caller` (the user id, else `ip:<address>`; nil: a caller
    /// that cannot be identified, not limited, as the platform). Throws `rateLimited` with the contract's message:
    /// `Rate limit exceeded. You have made 5 requests in the last 60 seconds. The limit is 5 requests per 60
    /// seconds. Please try again in 42 seconds.`
    public func check(procedure: String, caller: String?) throws(AccountsError) {
        guard let limit = configuration.limits[procedure], let caller else { return }
        let window = Int64(configuration.windowSeconds) * 1000
        let time = now()
        let maxKeys = configuration.maxKeys
        let refusal = state.withLock { state in
            state.admit(Key(procedure: procedure, caller: caller), limit: limit, window: window, now: time, maxKeys: maxKeys)
        }
        if let refusal {
            let seconds = configuration.windowSeconds
            throw .rateLimited(
                retryAfterSeconds: refusal.retryAfterSeconds,
                message: "Rate limit exceeded. You have made \(refusal.count) requests in the last \(seconds) seconds. The limit is \(limit) requests per \(seconds) seconds. Please try again in \(refusal.retryAfterSeconds) seconds.")
        }
    }

    /// How many (procedure, caller) keys are held now.
    public var keyCount: Int { state.withLock { $0.slots.count } }

    // MARK: State

    private struct Key: Hashable {
        let procedure: String
        let caller: String
    }

    private struct Refusal {
        let count: Int
        let retryAfterSeconds: Int
    }

    /// One key's admitted calls: a ring of timestamps, oldest at `start`, and its place in the LRU list.
    private struct Entry {
        var key: Key
        var times: [Int64]
        var start = 0
        var count = 0
        var newer = -1
        var older = -1

        var oldestTime: Int64 { times[start] }
        var newestTime: Int64 { times[(start + count - 1) % times.count] }

        mutating func dropExpired(before cutoff: Int64) {
            while count > 0 && times[start] <= cutoff {
                start = (start + 1) % times.count
                count -= 1
            }
        }

        mutating func append(_ time: Int64) {
            times[(start + count) % times.count] = time
            count += 1
        }
    }

    /// Entries in a slab with an intrusive doubly linked LRU list (`newest` … `oldest`).
    private struct State {
        var slots: [Key: Int] = [:]
        var entries: [Entry] = []
        var free: [Int] = []
        var newest = -1
        var oldest = -1

        mutating func admit(_ key: Key, limit: Int, window: Int64, now: Int64, maxKeys: Int) -> Refusal? {
            let cutoff = now - window
            for _ in 0..<2 {
                guard oldest >= 0, entries[oldest].count == 0 || entries[oldest].newestTime <= cutoff else { break }
                remove(oldest)
            }
            let slot: Int
            if let existing = slots[key] {
                slot = existing
                unlink(slot)
            } else {
                if slots.count >= maxKeys, oldest >= 0 { remove(oldest) }
                slot = insert(Entry(key: key, times: [Int64](repeating: 0, count: limit)))
            }
            pushNewest(slot)
            entries[slot].dropExpired(before: cutoff)
            let count = entries[slot].count
            guard count < limit else {
                let wait = entries[slot].oldestTime + window - now
                return Refusal(count: count, retryAfterSeconds: max(1, Int((wait + 999) / 1000)))
            }
            entries[slot].append(now)
            return nil
        }

        private mutating func insert(_ entry: Entry) -> Int {
            let slot: Int
            if let reused = free.popLast() {
                entries[reused] = entry
                slot = reused
            } else {
                entries.append(entry)
                slot = entries.count - 1
            }
            slots[entry.key] = slot
            return slot
        }

        private mutating func remove(_ slot: Int) {
            unlink(slot)
            slots[entries[slot].key] = nil
            entries[slot].times = []  // release the ring's memory while the slot waits for reuse
            free.append(slot)
        }

        private mutating func unlink(_ slot: Int) {
            let (newer, older) = (entries[slot].newer, entries[slot].older)
            if newer >= 0 { entries[newer].older = older } else if newest == slot { newest = older }
            if older >= 0 { entries[older].newer = newer } else if oldest == slot { oldest = newer }
            entries[slot].newer = -1
            entries[slot].older = -1
        }

        private mutating func pushNewest(_ slot: Int) {
            entries[slot].older = newest
            entries[slot].newer = -1
            if newest >= 0 { entries[newest].newer = slot }
            newest = slot
            if oldest < 0 { oldest = slot }
        }
    }
}
