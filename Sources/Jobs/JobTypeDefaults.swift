/// The per-type default options, in one place: the contract's §7.2 table merged over the
/// `course-generation` queue's defaults (§7.1), as BullMQ merged a job's options over its queue's.
///
/// | type | queue | attempts | backoff | removeOnComplete | removeOnFail | priority |
/// | --- | --- | --- | --- | --- | --- | --- |
/// | `test_job` | fast | 3 | exponential 1000 ms | true | false | 0 |
/// | `initialize` | fast | 3 | exponential 1000 ms | 100 | false | 0 |
/// | `document_processing` | documents | 5 | exponential 2000 ms | {age 86400, count 100} | false | 0 |
/// | `summary_generation` | fast | 3 | exponential 1000 ms | {age 86400, count 100} | false | 0 |
/// | `document_classification` | fast | 3 | exponential 2000 ms | {age 86400, count 100} | false | 0 |
/// | `structure_analysis` | fast | 3 | exponential 1000 ms | {age 86400, count 100} | false | 0 |
/// | `structure_generation` | fast | 3 | exponential 1000 ms | {age 86400, count 100} | false | 0 |
/// | `text_generation` | fast | 3 | exponential 1000 ms | {age 86400, count 100} | false | 0 |
/// | `lesson_content` | fast | 3 | exponential 5000 ms | 1000 | false | 5 |
/// | `enrichment_generation` | fast | 3 | exponential 2000 ms | {age 86400, count 100} | false | 5 |
/// | `finalization` | fast | 3 | exponential 1000 ms | {age 86400, count 100} | false | 0 |
/// | any other type | fast | 3 | exponential 1000 ms | {age 86400, count 100} | {age 604800, count 50} | 0 |
///
/// The contract's `timeout` column had no effect under BullMQ v5 and has none here. Priorities keep
/// the contract's numbers, which here mean "higher first".
extension JobOptions {
    public static let fastQueue = "fast"
    public static let documentsQueue = "documents"

    /// The course-generation queue's `removeOnComplete` default: `{age: 86400, count: 100}`.
    static let queueRemoveOnComplete = KeepJobs.limits(count: 100, ageSeconds: 86_400)
    /// The course-generation queue's `removeOnFail` default: `{age: 604800, count: 50}`.
    static let queueRemoveOnFail = KeepJobs.limits(count: 50, ageSeconds: 604_800)

    /// The options a job of `type` gets when the caller gives none.
    public static func defaults(for type: String) -> JobOptions {
        func typed(_ queue: String = fastQueue, attempts: Int = 3, backoffMs: Int64 = 1000,
                   onComplete: KeepJobs = queueRemoveOnComplete, priority: Int = 0) -> JobOptions {
            JobOptions(queue: queue, priority: priority, attempts: attempts, backoff: .exponential(milliseconds: backoffMs),
                       retention: Retention(onComplete: onComplete, onFail: .all))
        }
        switch type {
        case "test_job": return typed(onComplete: .none)
        case "initialize": return typed(onComplete: .last(100))
        case "document_processing": return typed(documentsQueue, attempts: 5, backoffMs: 2000)
        case "summary_generation", "structure_analysis", "structure_generation", "text_generation", "finalization":
            return typed()
        case "document_classification": return typed(backoffMs: 2000)
        case "lesson_content": return typed(backoffMs: 5000, onComplete: .last(1000), priority: 5)
        case "enrichment_generation": return typed(backoffMs: 2000, priority: 5)
        default:
            return JobOptions(queue: fastQueue, attempts: 3, backoff: .exponential(milliseconds: 1000),
                              retention: Retention(onComplete: queueRemoveOnComplete, onFail: queueRemoveOnFail))
        }
    }
}
