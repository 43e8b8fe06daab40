import JSON

/// `initialize` (contract §7.2, a placeholder there too): progress 20, 40, 60, 80 % over 100 ms, then
/// `{courseId, organizationId, status: "initialized", initializedAt, message}`.
public struct InitializeJobHandler: JobHandler {
    public let type = "initialize"
    /// The whole run: four steps of a quarter each.
    public static let durationMilliseconds: Int64 = 100

    public init() {}

    public func run(_ job: RunningJob) async throws -> JSONValue {
        let record = job.record
        for percent in [20, 40, 60, 80] {
            try await job.progress(.object([
                "status": .string("processing"), "percent": .int(Int64(percent)), "message": .string("Initializing course"),
            ]))
            try await job.sleep(milliseconds: Self.durationMilliseconds / 4)
        }
        let courseID = record.courseID ?? record.payload["courseId"]?.stringValue
        return .object([
            "courseId": courseID.map(JSONValue.string) ?? .null,
            "organizationId": .string(record.organizationID),
            "status": .string("initialized"),
            "initializedAt": .string(isoTime(job.queue.clock.now())),
            "message": .string("Course initialized"),
        ])
    }
}
