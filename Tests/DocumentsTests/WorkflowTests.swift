import Accounts
import Foundation
import JSON
import Jobs
import Storage
import Testing
@testable import Documents

/// `CourseWorkflow` on a real LMDB environment with no workers running (jobs stay where the test puts them).
@Suite("Course workflow")
struct WorkflowTests {
    struct World {
        let environment: Environment
        let accounts: AccountsStore
        let jobs: JobQueue
        let workflow: CourseWorkflow
        let organization: Organization
        let owner: Principal
        let other: Principal
        let course: Course

        init(tier: Tier = .free, global: Int = 3) throws {
            let path = FileManager.default.temporaryDirectory.appendingPathComponent("campus-workflow-\(UUID().uuidString)").path
            environment = try Environment.open(path: path)
            accounts = try AccountsStore(environment: environment)
            jobs = try JobQueue(environment: environment)
            workflow = CourseWorkflow(accounts: accounts, jobs: jobs, files: try FileCatalog(environment: environment), globalConcurrencyLimit: global)
            organization = try accounts.createOrganization(name: "Workflow School", tier: tier)
            let ownerUser = try accounts.createUser(NewUser(email: "owner@w.test", organizationID: organization.id, role: .instructor))
            let otherUser = try accounts.createUser(NewUser(email: "other@w.test", organizationID: organization.id, role: .admin))
            owner = try #require(try accounts.principal(userID: ownerUser.id))
            other = try #require(try accounts.principal(userID: otherUser.id))
            course = try accounts.createCourse(NewCourse(title: "Flow"), ownerID: ownerUser.id, organizationID: organization.id)
        }
    }

    @Test("initiate commits the course status, the code and the slot-holding job together; only the owner may")
    func initiate() async throws {
        let world = try World(tier: .standard)
        let started = try await world.workflow.initiate(courseID: world.course.id, webhookURL: "https://hooks.test/x", by: world.owner)
        #expect(started.generationCode.range(of: #"^[A-HJKMNP-Z]{3}-[0-9]{4}$"#, options: .regularExpression) != nil)
        let job = try #require(try world.jobs.get(started.jobID))
        #expect(job.type == "initialize" && job.state == .waiting && job.concurrencySlot == world.owner.userID.lowercasedString)
        #expect(job.priority == Tier.standard.generationPriority)
        let course = try world.accounts.course(id: world.course.id, in: world.owner.scope)
        #expect(course.generationStatus == .stage4Init && course.generationCode == started.generationCode && course.webhookURL == "https://hooks.test/x")
        await #expect(throws: WorkflowError.forbidden("You do not have access to this course")) {
            _ = try await world.workflow.initiate(courseID: world.course.id, webhookURL: nil, by: world.other)
        }
        await #expect(throws: AccountsError.notFound("Course not found")) {
            _ = try await world.workflow.initiate(courseID: UUID(), webhookURL: nil, by: world.owner)
        }
    }

    @Test("the user's tier limit and the global limit refuse with the contract's messages; a finished generation frees its slot")
    func concurrencyLimits() async throws {
        let world = try World(tier: .free, global: 3)
        let first = try await world.workflow.initiate(courseID: world.course.id, webhookURL: nil, by: world.owner)
        await #expect(throws: WorkflowError.tooManyRequests("Too many concurrent jobs. FREE tier allows 1 concurrent course generation.")) {
            _ = try await world.workflow.initiate(courseID: world.course.id, webhookURL: nil, by: world.owner)
        }
        #expect(try world.jobs.slotsHeld(key: world.owner.userID.lowercasedString).user == 1)
        // The initialize job runs and completes: its slot goes in the same commit.
        let claimed = try await world.jobs.claim(queue: JobOptions.fastQueue, worker: "test", limit: 1)
        let claim = try #require(claimed.first?.claim)
        #expect(claimed.first?.id == first.jobID)
        _ = try await world.jobs.complete(claim, result: .object([:]))
        #expect(try world.jobs.slotsHeld(key: world.owner.userID.lowercasedString).user == 0)
        _ = try await world.workflow.initiate(courseID: world.course.id, webhookURL: nil, by: world.owner)

        let crowded = try World(tier: .premium, global: 1)
        _ = try await crowded.workflow.initiate(courseID: crowded.course.id, webhookURL: nil, by: crowded.owner)
        let second = try crowded.accounts.createCourse(NewCourse(title: "Second"), ownerID: crowded.owner.userID, organizationID: crowded.organization.id)
        await #expect(throws: WorkflowError.tooManyRequests("System at capacity. Please try again in a few minutes.")) {
            _ = try await crowded.workflow.initiate(courseID: second.id, webhookURL: nil, by: crowded.owner)
        }
        // The refused call changed nothing.
        #expect(try crowded.accounts.course(id: second.id, in: crowded.owner.scope).generationStatus == nil)
    }

    @Test("job access: other organisations' jobs are not found; students see and cancel only their own")
    func jobAccess() async throws {
        let world = try World(tier: .standard)
        let student = try world.accounts.createUser(NewUser(email: "s@w.test", organizationID: world.organization.id, role: .student))
        let studentPrincipal = try #require(try world.accounts.principal(userID: student.id))
        let job = try await world.jobs.enqueue(JobSpec(type: "test_job", payload: ["message": "x"], organizationID: world.organization.id.lowercasedString,
                                                       userID: world.owner.userID.lowercasedString))
        #expect(try world.workflow.job(id: job.id, by: world.owner).id == job.id)
        #expect(throws: WorkflowError.forbidden("You do not have permission to view this job")) { _ = try world.workflow.job(id: job.id, by: studentPrincipal) }
        await #expect(throws: WorkflowError.forbidden("You do not have permission to cancel this job")) {
            _ = try await world.workflow.cancelJob(id: job.id, by: studentPrincipal)
        }
        let elsewhere = try World(tier: .standard)
        #expect(throws: WorkflowError.notFound("Job \(job.id) not found")) { _ = try world.workflow.job(id: job.id, by: elsewhere.owner) }
        #expect(throws: WorkflowError.notFound("Job nope not found")) { _ = try world.workflow.job(id: "nope", by: elsewhere.owner) }
        #expect(try world.workflow.listJobs(by: studentPrincipal, states: nil, cancelled: nil, limit: 10, offset: 0, cursor: nil).jobs.isEmpty)
        #expect(try world.workflow.listJobs(by: world.owner, states: nil, cancelled: nil, limit: 10, offset: 0, cursor: nil).jobs.count == 1)

        guard case .cancelled(let cancelled) = try await world.workflow.cancelJob(id: job.id, by: world.owner) else { Issue.record("not cancelled"); return }
        #expect(cancelled.state == .cancelled)
        guard case .alreadyCancelled = try await world.workflow.cancelJob(id: job.id, by: world.owner) else { Issue.record("not already cancelled"); return }
    }

    @Test("offset pages walk past earlier jobs")
    func offsets() async throws {
        let world = try World(tier: .standard)
        for n in 0..<7 {
            _ = try await world.jobs.enqueue(JobSpec(type: "test_job", payload: ["message": .string("\(n)")], organizationID: world.organization.id.lowercasedString))
        }
        let all = try world.workflow.listJobs(by: world.owner, states: nil, cancelled: nil, limit: 100, offset: 0, cursor: nil).jobs.map(\.id)
        let page = try world.workflow.listJobs(by: world.owner, states: nil, cancelled: nil, limit: 3, offset: 2, cursor: nil)
        #expect(page.jobs.map(\.id) == Array(all[2..<5]))
        #expect(page.total == 7)
        #expect(try world.workflow.listJobs(by: world.owner, states: nil, cancelled: nil, limit: 3, offset: 9, cursor: nil).jobs.isEmpty)
    }
}
