import Accounts
import Foundation
import JSON
import Jobs
import Storage

/// The platform's course workflows that span rooms: starting a generation (a course change and its jobs in
/// one commit) and who may see and cancel which job; and the API's record changes (courses, and the admin
/// procedures' organisations and users) on the data directory's group committer. Rules live here or in
/// `AccountsStore`; the procedures only read inputs and shape outputs.
///
/// Invariants:
/// - `initiate` commits the course's new generation status, its generation code and every job it creates in
///   one group-committed LMDB transaction: either all of it is durable or none.
/// - A generation holds exactly one concurrency slot (contract §4.3), on its `initialize` job: reserved in
///   that commit, released in the commit that makes the job terminal (the platform reserved one per
///   generation and released one per processed file, with no floor: its defect 9).
/// - Every job read or change is scoped: a job of another organisation answers `Job <id> not found`,
///   exactly as a missing one.
public final class CourseWorkflow: Sendable {
    public let accounts: AccountsStore
    public let jobs: JobQueue
    public let files: FileCatalog
    /// Concurrent generations across all users (the platform's `GLOBAL_CONCURRENCY_LIMIT`, default 3).
    public let globalConcurrencyLimit: Int

    public init(accounts: AccountsStore, jobs: JobQueue, files: FileCatalog, globalConcurrencyLimit: Int = 3) {
        self.accounts = accounts
        self.jobs = jobs
        self.files = files
        self.globalConcurrencyLimit = max(1, globalConcurrencyLimit)
    }

    // MARK: Record changes, group-committed

    // Concurrent calls share one commit (one fsync) between them, and no caller holds LMDB's writer lock on its
    // own thread while the disk syncs: one transaction and two syncs per call held 32 clients of `courses.create`
    // to ≈ 630 a second, and of `admin.updateOrganization` to ≈ 1,500 at p95 23 ms. The rules and messages are
    // `AccountsStore`'s (whose synchronous calls the command-line tools use); bodies may run more than once.

    /// `body` with the accounts store, in the group committer's shared transaction.
    private func committed<R: Sendable>(_ body: @escaping @Sendable (AccountsStore, WriteTransaction) throws -> R) async throws -> R {
        let accounts = accounts
        return try await jobs.committer.write { txn in try body(accounts, txn) }
    }

    /// `courses.create` for `caller` in their organisation.
    public func createCourse(_ new: NewCourse, by caller: Principal) async throws -> Course {
        try await committed { try $0.createCourse(new, ownerID: caller.userID, organizationID: caller.organizationID, in: $1) }
    }

    /// `courses.update` by `caller`: the change runs only when the caller `mayModify` the course (see
    /// `AccountsStore.updateCourse(id:by:_:)`); it may run more than once.
    public func updateCourse(id: UUID, by caller: Principal, _ change: @escaping @Sendable (inout Course) throws -> Void) async throws -> Course {
        try await committed { try $0.updateCourse(id: id, by: caller, txn: $1, change) }
    }

    /// `admin.createOrganization`: the organisation and its default API key in one commit.
    public func createOrganizationWithAPIKey(name: String, tier: Tier, createdBy: UUID?) async throws -> (Organization, String) {
        try await committed { try $0.createOrganizationWithAPIKey(name: name, tier: tier, createdBy: createdBy, in: $1) }
    }

    /// `admin.updateOrganization` (a tier change moves the storage quota with it).
    public func updateOrganization(id: UUID, name: String?, tier: Tier?) async throws -> Organization {
        try await committed { try $0.updateOrganization(id: id, name: name, tier: tier, in: $1) }
    }

    /// `admin.updateUserRole` by `actor`.
    public func updateUserRole(userID: UUID, to role: Role, by actor: Principal) async throws -> User {
        try await committed { try $0.updateUserRole(userID: userID, to: role, by: actor, in: $1) }
    }

    /// `admin.toggleUserActivation` by `actor`.
    public func setUserActivation(userID: UUID, isActive: Bool, by actor: Principal) async throws -> User {
        try await committed { try $0.setUserActivation(userID: userID, isActive: isActive, by: actor, in: $1) }
    }

    // MARK: Generation

    /// What `generation.initiate` answers.
    public struct Initiation: Sendable {
        public var jobID: String
        public var courseID: UUID
        public var generationCode: String
        public var jobs: [JobRecord]
    }

    /// Starts the generation of a course (contract §5.3), as its owner:
    /// 1. `Course not found` outside the caller's scope or missing; `You do not have access to this course` when
    ///    the caller does not own it (admins are not exempt, as in the platform).
    /// 2. The generation slot: `Too many concurrent jobs. <TIER> tier allows <n> concurrent course generation.` /
    ///    `System at capacity. Please try again in a few minutes.`
    /// 3. One commit: a `document_processing` job per pending file (idempotent per file, so a file the upload
    ///    already queued is not queued twice), the `initialize` job that holds the slot, and the course's
    ///    generation status (`stage_2_init` with pending files, else `stage_4_init`), code and start time.
    public func initiate(courseID: UUID, webhookURL: String?, by caller: Principal) async throws -> Initiation {
        let accounts = accounts, jobs = jobs, files = files, global = globalConcurrencyLimit
        let code = GenerationCode.make()
        let now = Int64(Date().timeIntervalSince1970 * 1000)
        do {
            return try await jobs.committer.write { txn in
                let course = try accounts.course(id: courseID, in: caller.scope, txn: txn)
                guard course.ownerID == caller.userID else { throw WorkflowError.forbidden("You do not have access to this course") }
                let tier = caller.tier
                let base = Self.basePayload(course: course, caller: caller, now: now)
                var created: [JobRecord] = []
                let pending = try files.files(ofCourse: course.id, in: txn).filter { $0.vectorStatus == .pending }
                for file in pending {
                    created.append(try jobs.enqueue(Self.processingSpec(for: file, priority: tier.generationPriority), now: now, in: txn))
                }
                var payload = base
                payload["jobType"] = "initialize"
                payload["webhookUrl"] = webhookURL.map(JSONValue.string) ?? .null
                payload["title"] = .string(course.title)
                payload["settings"] = course.settings
                var options = JobOptions.defaults(for: "initialize")
                options.priority = tier.generationPriority
                let initialize = try jobs.enqueue(JobSpec(
                    type: "initialize", payload: .object(payload), organizationID: course.organizationID.lowercasedString,
                    userID: caller.userID.lowercasedString, courseID: course.id.lowercasedString, options: options,
                    concurrencySlot: ConcurrencySlot(key: caller.userID.lowercasedString, userLimit: tier.concurrentGenerationJobs, globalLimit: global)
                ), now: now, in: txn)
                created.insert(initialize, at: 0)
                _ = try accounts.updateCourse(id: course.id, in: caller.scope, txn: txn) { course in
                    course.generationStatus = pending.isEmpty ? .stage4Init : .stage2Init
                    course.generationCode = code
                    course.generationStartedAt = Date(timeIntervalSince1970: Double(now) / 1000)
                    if let webhookURL { course.webhookURL = webhookURL }
                }
                return Initiation(jobID: initialize.id, courseID: course.id, generationCode: code, jobs: created)
            }
        } catch JobError.concurrencyLimit(.user(_, _, let limit)) {
            throw WorkflowError.tooManyRequests("Too many concurrent jobs. \(caller.tier.rawValue.uppercased()) tier allows \(limit) concurrent course generation.")
        } catch JobError.concurrencyLimit(.global) {
            throw WorkflowError.tooManyRequests("System at capacity. Please try again in a few minutes.")
        }
    }

    /// The fields every job payload of the platform carries (contract §7.2).
    static func basePayload(course: Course, caller: Principal, now: Int64) -> [String: JSONValue] {
        [
            "organizationId": .string(course.organizationID.lowercasedString), "courseId": .string(course.id.lowercasedString),
            "userId": .string(caller.userID.lowercasedString),
            "createdAt": .string(Date(timeIntervalSince1970: Double(now) / 1000).iso8601Milliseconds), "locale": "ru",
        ]
    }

    /// The `document_processing` job of a file: one per file (its id is derived from the file's), so every
    /// path that queues it (upload, initiate, retry) finds the same job instead of queueing a second.
    public static func processingSpec(for file: FileRecord, priority: Int, attempt: Int = 0) -> JobSpec {
        var options = JobOptions.defaults(for: "document_processing")
        options.priority = priority
        let payload: JSONValue = [
            "jobType": "document_processing", "organizationId": .string(file.organizationID.lowercasedString),
            "courseId": .string(file.courseID.lowercasedString), "userId": file.uploadedBy.map { .string($0.lowercasedString) } ?? .null,
            "createdAt": .string(Date().iso8601Milliseconds), "fileId": .string(file.id.lowercasedString), "filePath": .string(file.storagePath),
            "mimeType": .string(file.mimeType), "chunkSize": 512, "chunkOverlap": 50, "locale": "ru",
        ]
        return JobSpec(
            id: processingJobID(fileID: file.id, attempt: attempt), type: "document_processing", payload: payload,
            organizationID: file.organizationID.lowercasedString, userID: file.uploadedBy?.lowercasedString,
            courseID: file.courseID.lowercasedString, options: options
        )
    }

    /// `document_processing-<file id>` (and `-retry-<n>` for the n-th retry of a failed file).
    public static func processingJobID(fileID: UUID, attempt: Int) -> String {
        "document_processing-\(fileID.lowercasedString)" + (attempt > 0 ? "-retry-\(attempt)" : "")
    }

    // MARK: Jobs

    /// A job the caller may see (contract §5.4 `jobs.getStatus`): `Job <id> not found` when missing or of
    /// another organisation; `You do not have permission to view this job` for a student looking at
    /// someone else's job (instructors and admins see their organisation's).
    public func job(id: String, by caller: Principal) throws -> JobRecord {
        let record = try visibleJob(id, to: caller)
        guard caller.role != .student || record.userID == caller.userID.lowercasedString else {
            throw WorkflowError.forbidden("You do not have permission to view this job")
        }
        return record
    }

    /// `jobs.list`: the caller's organisation, students only their own jobs, newest first.
    public func listJobs(by caller: Principal, states: Set<JobState>?, cancelled: Bool?, limit: Int, offset: Int, cursor: String?) throws -> JobPage {
        let organization = caller.organizationID.lowercasedString
        let user = caller.role == .student ? caller.userID.lowercasedString : nil
        guard offset > 0 else {
            return try jobs.list(organizationID: organization, userID: user, states: states, cancelled: cancelled, cursor: cursor, limit: limit)
        }
        // An offset walks the pages before it (bounded by the caller's own total).
        var skipped = 0
        var next = cursor
        while skipped < offset {
            let step = min(JobQueue.maxPageSize, offset - skipped)
            let page = try jobs.list(organizationID: organization, userID: user, states: states, cancelled: cancelled, cursor: next, limit: step)
            skipped += page.jobs.count
            guard let more = page.nextCursor, page.jobs.count == step else {
                return JobPage(jobs: [], nextCursor: nil, total: page.total)
            }
            next = more
        }
        return try jobs.list(organizationID: organization, userID: user, states: states, cancelled: cancelled, cursor: next, limit: limit)
    }

    /// What `jobs.cancel` did.
    public enum Cancellation: Sendable {
        case cancelled(JobRecord)
        case alreadyCancelled(JobRecord)
    }

    /// `jobs.cancel` (contract §5.4, in its order): `Job <id> not found`; an already cancelled job answers
    /// success; `Cannot cancel job <id> because it is already <status>` for a finished job;
    /// `You do not have permission to cancel this job` unless the caller owns it or is an admin of its
    /// organisation. Any job type can be cancelled (the platform could cancel only test jobs): a waiting or
    /// delayed job at once, an active one by telling its handler; it then ends `cancelled`, never `completed`.
    public func cancelJob(id: String, by caller: Principal) async throws -> Cancellation {
        let record = try visibleJob(id, to: caller)
        if record.state == .cancelled || record.cancelRequested { return .alreadyCancelled(record) }
        if record.state == .completed || record.state == .failed {
            throw WorkflowError.badRequest("Cannot cancel job \(id) because it is already \(record.state.rawValue)")
        }
        let isAdmin = caller.role == .admin || caller.role == .superadmin
        guard isAdmin || record.userID == caller.userID.lowercasedString else {
            throw WorkflowError.forbidden("You do not have permission to cancel this job")
        }
        switch try await jobs.cancel(id, by: caller.userID.lowercasedString) {
        case .cancelled(let job), .cancelRequested(let job): return .cancelled(job)
        case .alreadyCancelled(let job): return .alreadyCancelled(job)
        case .alreadyFinished(let job):
            throw WorkflowError.badRequest("Cannot cancel job \(id) because it is already \(job.state.rawValue)")
        }
    }

    private func visibleJob(_ id: String, to caller: Principal) throws -> JobRecord {
        guard let record = try jobs.get(id), let organization = UUID(uuidString: record.organizationID), caller.scope.contains(organization) else {
            throw WorkflowError.notFound("Job \(id) not found")
        }
        return record
    }
}
