import Foundation
import JSON

/// `test_job` (contract §7.2): progress 25 %, waits `delayMs` (at least 50 ms), fails with
/// `Intentional test failure: <message>` when `shouldFail`, polls cancellation every 500 ms when
/// `checkCancellation`, progress 75 %, and returns `{success, message, data: {receivedMessage,
/// processedAt, jobId}}`.
///
/// Payload: `message` (string, required), `delayMs` (integer 0…86400000, default 0), `shouldFail`
/// (bool, default false), `checkCancellation` (bool, default false). A malformed payload fails the
/// job without retry. Whatever the payload, cancelling the job cancels its wait.
public struct TestJobHandler: JobHandler {
    public let type = "test_job"
    /// The shortest wait, as the contract's handler.
    public static let minimumDelayMilliseconds: Int64 = 50
    /// How often a `checkCancellation` job looks at its cancellation flag.
    public static let cancellationPollMilliseconds: Int64 = 500

    public init() {}

    public func run(_ job: RunningJob) async throws -> JSONValue {
        let payload = job.record.payload
        guard case .string(let message)? = payload["message"] else { throw InvalidPayload(reason: "message must be a string") }
        let delay: Int64
        switch payload["delayMs"] {
        case nil, .null?: delay = 0
        case .int(let ms)? where (0...86_400_000).contains(ms): delay = ms
        default: throw InvalidPayload(reason: "delayMs must be an integer 0…86400000")
        }
        let shouldFail = try flag(payload, "shouldFail")
        let pollCancellation = try flag(payload, "checkCancellation")

        try await job.progress(.object(["status": .string("processing"), "percent": .int(25), "message": .string("Test job started")]))
        var remaining = max(delay, Self.minimumDelayMilliseconds)
        while remaining > 0 {
            let step = pollCancellation ? min(remaining, Self.cancellationPollMilliseconds) : remaining
            try await job.sleep(milliseconds: step)
            remaining -= step
            if pollCancellation { try job.checkCancellation() }
        }
        if shouldFail { throw IntentionalFailure(message: message) }
        try await job.progress(.object(["status": .string("processing"), "percent": .int(75), "message": .string("Test job finishing")]))
        return .object([
            "success": .bool(true),
            "message": .string("Test job completed successfully"),
            "data": .object([
                "receivedMessage": .string(message),
                "processedAt": .string(isoTime(job.queue.clock.now())),
                "jobId": .string(job.record.id),
            ]),
        ])
    }

    private func flag(_ payload: JSONValue, _ key: String) throws -> Bool {
        switch payload[key] {
        case nil, .null?: return false
        case .bool(let b)?: return b
        default: throw InvalidPayload(reason: "\(key) must be a boolean")
        }
    }

    /// What `shouldFail` throws (retried like any failure, as under BullMQ).
    struct IntentionalFailure: Error, CustomStringConvertible {
        let message: String
        var description: String { "Intentional test failure: \(message)" }
    }
}

/// A payload a handler cannot run: failing again would not help.
public struct InvalidPayload: UnrecoverableJobError, CustomStringConvertible {
    public let reason: String
    public var description: String { "Invalid job payload: \(reason)" }
}

/// ISO 8601 with milliseconds, UTC, as JavaScript's `toISOString`.
func isoTime(_ milliseconds: Int64) -> String {
    let formatter = ISO8601DateFormatter()
    formatter.formatOptions = [.withInternetDateTime, .withFractionalSeconds]
    return formatter.string(from: Date(timeIntervalSince1970: Double(milliseconds) / 1000))
}
