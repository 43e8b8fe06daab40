import Dispatch
import Synchronization
import Testing
@testable import Accounts

@Suite("Rate limiter: the contract's limits and message, Retry-After, a clock under test control, bounded memory")
struct RateLimiterTests {
    @Test("the contract's per-procedure table; unlisted procedures are unlimited")
    func contractTable() {
        let limits = RateLimiter.contractLimits
        #expect(limits["generation.uploadFile"] == 5)
        #expect(limits["generation.initiate"] == 10)
        #expect(limits["generation.getStatus"] == 30)
        #expect(limits["enrichment.createBatch"] == 3)
        #expect(limits["lessonContent.updateLessonContent"] == 20)
        #expect(limits["lessonContent.getLessonContent"] == 60)
        #expect(limits["enrichment.approveCoverDraft"] == 10)
        #expect(limits.count == 30)
        #expect(limits["generation.test"] == nil && limits["courses.list"] == nil && limits["jobs.list"] == nil)
        #expect(RateLimiter().configuration.windowSeconds == 60)
    }

    @Test("the limit within the window, the exact message and retry-after, rejected calls not recorded")
    func slidingWindow() throws {
        let clock = ManualClock()
        let limiter = RateLimiter(now: { clock.now })
        for _ in 0..<5 {
            try limiter.check(procedure: "generation.uploadFile", caller: "user-1")
            clock.advance(milliseconds: 1000)
        }
        // Calls at t = 0…4 s; now t = 5 s: the oldest leaves the window at 60 s, 55 s from now.
        #expect(throws: AccountsError.rateLimited(retryAfterSeconds: 55, message: "Rate limit exceeded. You have made 5 requests in the last 60 seconds. The limit is 5 requests per 60 seconds. Please try again in 55 seconds.")) {
            try limiter.check(procedure: "generation.uploadFile", caller: "user-1")
        }
        // Other callers and other procedures have their own windows; unlisted procedures have none.
        try limiter.check(procedure: "generation.uploadFile", caller: "user-2")
        try limiter.check(procedure: "generation.initiate", caller: "user-1")
        for _ in 0..<1000 { try limiter.check(procedure: "generation.test", caller: "user-1") }
        for _ in 0..<10 { try limiter.check(procedure: "generation.uploadFile", caller: nil) }
        // Retrying while refused does not extend the wait (refusals are not recorded).
        clock.advance(milliseconds: 54_500)  // t = 59.5 s
        #expect(throws: AccountsError.rateLimited(retryAfterSeconds: 1, message: "Rate limit exceeded. You have made 5 requests in the last 60 seconds. The limit is 5 requests per 60 seconds. Please try again in 1 seconds.")) {
            try limiter.check(procedure: "generation.uploadFile", caller: "user-1")
        }
        clock.advance(milliseconds: 500)  // t = 60 s: the call at 0 s is exactly a window old and no longer counts
        try limiter.check(procedure: "generation.uploadFile", caller: "user-1")
        #expect(throws: AccountsError.self) { try limiter.check(procedure: "generation.uploadFile", caller: "user-1") }
        clock.advance(milliseconds: 1000)  // t = 61 s: the call at 1 s has left too
        try limiter.check(procedure: "generation.uploadFile", caller: "user-1")
    }

    @Test("retry-after rounds up and is at least one second")
    func retryAfterRounding() {
        let clock = ManualClock()
        var configuration = RateLimiter.Configuration()
        configuration.limits = ["p": 1]
        configuration.windowSeconds = 10
        let limiter = RateLimiter(configuration: configuration, now: { clock.now })
        #expect(throws: Never.self) { try limiter.check(procedure: "p", caller: "c") }
        clock.advance(milliseconds: 1)
        do {
            try limiter.check(procedure: "p", caller: "c")
            Issue.record("the second call in the window was admitted")
        } catch {
            guard case .rateLimited(let seconds, let message) = error else { Issue.record("\(error)"); return }
            #expect(seconds == 10)  // 9.999 s rounds up
            #expect(message.hasSuffix("The limit is 1 requests per 10 seconds. Please try again in 10 seconds."))
        }
    }

    @Test("memory stays bounded: expired keys are dropped, and a full table evicts the least recently used")
    func boundedMemory() throws {
        let clock = ManualClock()
        var configuration = RateLimiter.Configuration()
        configuration.maxKeys = 1000
        let limiter = RateLimiter(configuration: configuration, now: { clock.now })
        for i in 0..<5000 { try limiter.check(procedure: "generation.initiate", caller: "ip:10.0.\(i / 256).\(i % 256)") }
        #expect(limiter.keyCount == 1000)
        // The most recent callers are still limited: caller 4999 has one call of ten left in its window.
        for _ in 0..<9 { try limiter.check(procedure: "generation.initiate", caller: "ip:10.0.19.135") }
        #expect(throws: AccountsError.self) { try limiter.check(procedure: "generation.initiate", caller: "ip:10.0.19.135") }
        // Once the window has passed, each check sweeps expired keys from the old end.
        clock.advance(milliseconds: 61_000)
        for i in 0..<600 { try limiter.check(procedure: "generation.getStatus", caller: "user-\(i)") }
        #expect(limiter.keyCount == 600)  // two swept per check: the 1000 old keys are gone after 500 checks
    }

    @Test("concurrent callers are counted exactly: never more admitted than the limit")
    func concurrency() {
        let limiter = RateLimiter()
        let admitted = Mutex(0)
        DispatchQueue.concurrentPerform(iterations: 200) { _ in
            if (try? limiter.check(procedure: "generation.getStatus", caller: "same-user")) != nil {
                admitted.withLock { $0 += 1 }
            }
        }
        #expect(admitted.withLock { $0 } == 30)
    }
}
