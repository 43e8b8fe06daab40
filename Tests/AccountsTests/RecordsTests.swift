import Foundation
import JSON
import Storage
import Testing
@testable import Accounts

@Suite("Records and indexes: create, read, list order, offsets, cursors, counters")
struct RecordsTests {
    @Test("organisations: trimmed unique names, slug, the tier's quota; newest first with offsets and totals")
    func organizations() throws {
        let fixture = try StoreFixture()
        defer { fixture.cleanup() }
        let acme = try fixture.organization("  Acme Corp  ", tier: .basic)
        #expect(acme.name == "Acme Corp")
        #expect(acme.tier == .basic && acme.storageQuotaBytes == 104_857_600 && acme.storageUsedBytes == 0)
        #expect(acme.slug == "acme-corp-" + String(fixture.clock.now, radix: 36))
        #expect(acme.createdAt == acme.updatedAt)
        #expect(try fixture.store.organization(id: acme.id) == acme)

        #expect(throws: AccountsError.conflict("An organization named \"ACME corp\" already exists.")) {
            try fixture.store.createOrganization(name: "ACME corp", tier: .free)
        }
        #expect(throws: AccountsError.badRequest("Organization name must be between 3 and 100 characters.")) {
            try fixture.store.createOrganization(name: " ab ", tier: .free)
        }
        #expect(throws: AccountsError.badRequest("Organization name must be between 3 and 100 characters.")) {
            try fixture.store.createOrganization(name: String(repeating: "x", count: 101), tier: .free)
        }
        let cyrillic = try fixture.organization("Школа", tier: .free)
        #expect(cyrillic.slug.hasPrefix("org-"))

        let later = try (0..<5).map { try fixture.organization("Org \($0)") }
        let all = try fixture.store.listOrganizations(in: .everyOrganization, page: PageRequest(limit: 3, offset: 1))
        #expect(all.total == 7)
        #expect(all.items.map(\.id) == [later[3], later[2], later[1]].map(\.id))
        let tail = try fixture.store.listOrganizations(in: .everyOrganization, page: PageRequest(limit: 100, offset: 5))
        #expect(tail.items.map(\.id) == [cyrillic.id, acme.id])
        // An admin sees only their own organisation (§13.5).
        let own = try fixture.store.listOrganizations(in: .organization(acme.id))
        #expect(own.items.map(\.id) == [acme.id] && own.total == 1)
        #expect(try fixture.store.listOrganizations(in: .organization(acme.id), page: PageRequest(limit: 5, offset: 1)).items.isEmpty)

        #expect(throws: AccountsError.badRequest("limit must be between 1 and 100 (got 0).")) { try PageRequest(limit: 0) }
        #expect(throws: AccountsError.badRequest("limit must be between 1 and 100 (got 101).")) { try PageRequest(limit: 101) }
        #expect(throws: AccountsError.badRequest("offset must be 0 or more (got -1).")) { try PageRequest(offset: -1) }
    }

    @Test("renaming keeps names unique; a tier change sets the quota and is refused below the usage")
    func updateOrganization() throws {
        let fixture = try StoreFixture()
        defer { fixture.cleanup() }
        let acme = try fixture.organization("Acme", tier: .basic)
        _ = try fixture.organization("Other", tier: .free)
        #expect(throws: AccountsError.conflict("An organization named \"other\" already exists.")) {
            try fixture.store.updateOrganization(id: acme.id, name: "other")
        }
        fixture.clock.advance(milliseconds: 5)
        let renamed = try fixture.store.updateOrganization(id: acme.id, name: "ACME", tier: .premium)
        #expect(renamed.name == "ACME" && renamed.tier == .premium && renamed.storageQuotaBytes == 10_737_418_240)
        #expect(renamed.updatedAt == fixture.clock.date && renamed.createdAt == acme.createdAt)
        #expect(try fixture.store.createOrganization(name: "Acme Two", tier: .free).name == "Acme Two")
        #expect(throws: AccountsError.conflict("An organization named \"acme\" already exists.")) {
            try fixture.store.createOrganization(name: "acme", tier: .free)
        }
        _ = try fixture.store.reserveStorage(organizationID: acme.id, bytes: 20 << 20)
        #expect(throws: AccountsError.conflict("Cannot change the tier to Free: the organization uses 20 MB of storage and Free allows 10 MB. Delete files first.")) {
            try fixture.store.updateOrganization(id: acme.id, tier: .free)
        }
        #expect(try fixture.store.organization(id: acme.id)?.tier == .premium)
        #expect(throws: AccountsError.notFound("Organization not found")) { try fixture.store.updateOrganization(id: UUID(), name: "Nobody") }
        let statistics = try fixture.store.statistics()
        #expect(statistics.organizations == 3)
        #expect(statistics.organizationsByTier == [.trial: 0, .free: 2, .basic: 0, .standard: 0, .premium: 1])
    }

    @Test("users: trimmed unique addresses, the organisation must exist; lists by organisation, role, activity and search")
    func users() throws {
        let fixture = try StoreFixture()
        defer { fixture.cleanup() }
        let acme = try fixture.organization("Acme")
        let beta = try fixture.organization("Beta")
        let ann = try fixture.user(" Ann@Acme.test ", in: acme, role: .admin)
        #expect(ann.email == "Ann@Acme.test" && ann.isActive && ann.role == .admin && ann.organizationID == acme.id)
        #expect(try fixture.store.user(email: "ann@acme.TEST") == ann)
        #expect(try fixture.store.user(email: "") == nil)
        #expect(try fixture.store.user(email: String(repeating: "a", count: 600)) == nil)
        #expect(throws: AccountsError.conflict("A user with the email \"ANN@acme.test\" already exists.")) {
            try fixture.store.createUser(NewUser(email: "ANN@acme.test", organizationID: beta.id))
        }
        for bad in ["", "no-at-sign", "@acme.test", "ann@", "a b@acme.test", "a@b@c"] {
            #expect(throws: AccountsError.badRequest("Invalid email address: \"\(bad.trimmingCharacters(in: .whitespaces))\".")) {
                try fixture.store.createUser(NewUser(email: bad, organizationID: acme.id))
            }
        }
        #expect(throws: AccountsError.notFound("Organization not found")) {
            try fixture.store.createUser(NewUser(email: "x@y.test", organizationID: UUID()))
        }
        var withID = NewUser(email: "dup@acme.test", organizationID: acme.id)
        withID.id = ann.id
        #expect(throws: AccountsError.conflict("A user with the id \(ann.id.uuidString.lowercased()) already exists.")) {
            try fixture.store.createUser(withID)
        }
        #expect(try fixture.store.createUser(NewUser(email: "student@acme.test", organizationID: acme.id)).role == .student)

        let instructors = try (0..<4).map { try fixture.user("teacher\($0)@acme.test", in: acme, role: .instructor) }
        let outsider = try fixture.user("out@beta.test", in: beta, role: .instructor)
        let acmeUsers = try fixture.store.listUsers(in: .organization(acme.id), page: PageRequest(limit: 2, offset: 1))
        #expect(acmeUsers.total == 6)
        #expect(acmeUsers.items.map(\.id) == [instructors[2].id, instructors[1].id])
        let acmeInstructors = try fixture.store.listUsers(in: .organization(acme.id), filter: UserFilter(role: .instructor))
        #expect(acmeInstructors.total == 4 && acmeInstructors.items.map(\.id) == instructors.reversed().map(\.id))
        let everyInstructor = try fixture.store.listUsers(in: .everyOrganization, filter: UserFilter(role: .instructor))
        #expect(everyInstructor.total == 5 && everyInstructor.items.first?.id == outsider.id)
        let searched = try fixture.store.listUsers(in: .organization(acme.id), filter: UserFilter(emailContains: "TEACHER"), page: PageRequest(limit: 3))
        #expect(searched.total == 4 && searched.items.count == 3)
        // Search is literal: `_` and `%` are not wildcards.
        #expect(try fixture.store.listUsers(in: .everyOrganization, filter: UserFilter(emailContains: "t_acher")).total == 0)
        #expect(try fixture.store.listUsers(in: .everyOrganization).total == 7)
        let inactive = try fixture.store.listUsers(in: .organization(acme.id), filter: UserFilter(isActive: false))
        #expect(inactive.total == 0 && inactive.items.isEmpty)

        let statistics = try fixture.store.statistics()
        #expect(statistics.users == 7)
        #expect(statistics.usersByRole == [.student: 1, .instructor: 5, .admin: 1, .superadmin: 0])
        let counts = try fixture.store.organizationCounts(id: acme.id)
        #expect(counts.users == 6 && counts.courses == 0)
    }

    @Test("a common title's slugs count up without gaps, and stay unique after deletions in between")
    func manyCoursesWithOneTitle() throws {
        let fixture = try StoreFixture()
        defer { fixture.cleanup() }
        let owner = try fixture.user("owner@acme.test", in: try fixture.organization("Acme"))
        let slugs = try (0..<300).map { _ in try fixture.course("Weekly Seminar", owner: owner).slug }
        #expect(slugs == ["weekly-seminar"] + (2...300).map { "weekly-seminar-\($0)" })
        for suffix in [7, 100, 101, 250] {
            let course = try #require(try fixture.store.course(slug: "weekly-seminar-\(suffix)", organizationID: owner.organizationID))
            _ = try fixture.store.deleteCourse(id: course.id, in: .organization(owner.organizationID))
        }
        var seen = Set(slugs).subtracting([7, 100, 101, 250].map { "weekly-seminar-\($0)" })
        for _ in 0..<10 {
            let slug = try fixture.course("Weekly Seminar", owner: owner).slug
            #expect(slug.hasPrefix("weekly-seminar-") && seen.insert(slug).inserted, "\(slug) handed out twice")
        }
    }

    @Test("courses: a title is enough; slugs derived and unique per organisation; fields validated")
    func createCourses() throws {
        let fixture = try StoreFixture()
        defer { fixture.cleanup() }
        let acme = try fixture.organization("Acme")
        let beta = try fixture.organization("Beta")
        let owner = try fixture.user("owner@acme.test", in: acme)
        let betaOwner = try fixture.user("owner@beta.test", in: beta)
        let first = try fixture.course("  Intro to Swift!  ", owner: owner)
        #expect(first.title == "Intro to Swift!" && first.slug == "intro-to-swift" && first.status == .draft)
        #expect(first.settings == .object([:]) && first.generationStatus == nil && first.ownerID == owner.id)
        #expect(try fixture.course("Intro to Swift", owner: owner).slug == "intro-to-swift-2")
        #expect(try fixture.course("Intro to swift", owner: owner).slug == "intro-to-swift-3")
        #expect(try fixture.course("Intro to Swift", owner: betaOwner).slug == "intro-to-swift")
        #expect(try fixture.course("Основы", owner: owner).slug == "course")
        #expect(try fixture.store.course(slug: "intro-to-swift-2", organizationID: acme.id)?.title == "Intro to Swift")
        #expect(try fixture.store.course(slug: String(repeating: "a", count: 600), organizationID: acme.id) == nil)

        var given = NewCourse(title: "Given", slug: "intro-to-swift")
        #expect(throws: AccountsError.conflict("A course with the slug \"intro-to-swift\" already exists in this organization.")) {
            try fixture.store.createCourse(given, ownerID: owner.id, organizationID: acme.id)
        }
        given.slug = "Bad Slug"
        #expect(throws: AccountsError.badRequest("Course slug must be 1 to 100 lower-case letters, digits and single hyphens (like intro-to-swift).")) {
            try fixture.store.createCourse(given, ownerID: owner.id, organizationID: acme.id)
        }
        #expect(throws: AccountsError.badRequest("Course title must be between 1 and 255 characters.")) {
            try fixture.store.createCourse(NewCourse(title: "   "), ownerID: owner.id, organizationID: acme.id)
        }
        var webhook = NewCourse(title: "Hooked")
        webhook.webhookURL = "ftp://example.test/x"
        #expect(throws: AccountsError.badRequest("webhookUrl must be an http or https URL.")) {
            try fixture.store.createCourse(webhook, ownerID: owner.id, organizationID: acme.id)
        }
        var settings = NewCourse(title: "Settings")
        settings.settings = .array([])
        #expect(throws: AccountsError.badRequest("Course settings must be a JSON object.")) {
            try fixture.store.createCourse(settings, ownerID: owner.id, organizationID: acme.id)
        }
        #expect(throws: AccountsError.badRequest("The course owner must be a user of the course's organization.")) {
            try fixture.store.createCourse(NewCourse(title: "Foreign owner"), ownerID: betaOwner.id, organizationID: acme.id)
        }
        var deep = JSONValue.int(1)
        for _ in 0..<101 { deep = .array([deep]) }
        settings.settings = .object(["deep": deep])
        #expect(throws: AccountsError.badRequest("Course settings nest more than 100 levels deep.")) {
            try fixture.store.createCourse(settings, ownerID: owner.id, organizationID: acme.id)
        }
        settings.settings = .object(["deep": .array([.array([.int(1)])])])
        #expect(try fixture.store.createCourse(settings, ownerID: owner.id, organizationID: acme.id).settings == settings.settings)
        var full = NewCourse(title: "Full", slug: "full-course")
        full.status = .published
        full.language = "ru"
        full.description = "All fields"
        full.webhookURL = "https://hooks.example.test/done"
        full.settings = .object(["level": .string("beginner"), "weeks": .int(6)])
        let created = try fixture.store.createCourse(full, ownerID: owner.id, organizationID: acme.id)
        let read = try fixture.store.course(id: created.id, in: .organization(acme.id))
        #expect(read == created)
        #expect(read.language == "ru" && read.webhookURL == "https://hooks.example.test/done" && read.status == .published)
        #expect(read.settings["weeks"] == .int(6))
    }

    @Test("courses.list: newest first by cursor, by status, nothing of other organisations; admin listing by offset")
    func listCourses() throws {
        let fixture = try StoreFixture()
        defer { fixture.cleanup() }
        let acme = try fixture.organization("Acme")
        let beta = try fixture.organization("Beta")
        let owner = try fixture.user("owner@acme.test", in: acme)
        let betaOwner = try fixture.user("owner@beta.test", in: beta)
        var made: [Course] = []
        for i in 0..<7 {
            made.append(try fixture.course("Course \(i)", owner: owner))
            _ = try fixture.course("Beta \(i)", owner: betaOwner)
        }
        let scope = TenantScope.organization(acme.id)
        var seen: [UUID] = []
        var cursor: ListCursor?
        repeat {
            let page = try fixture.store.listCourses(in: scope, limit: 3, after: cursor)
            #expect(page.courses.count <= 3)
            seen += page.courses.map(\.id)
            cursor = try page.nextCursor.map { try ListCursor($0.text) }  // round-trips through its text
        } while cursor != nil
        #expect(seen == made.reversed().map(\.id))

        // Publish two; the status index follows.
        for course in [made[1], made[4]] {
            _ = try fixture.store.updateCourse(id: course.id, in: scope) { $0.status = .published }
        }
        let published = try fixture.store.listCourses(in: scope, status: .published, limit: 1)
        #expect(published.courses.map(\.id) == [made[4].id])
        let rest = try fixture.store.listCourses(in: scope, status: .published, limit: 10, after: published.nextCursor)
        #expect(rest.courses.map(\.id) == [made[1].id] && rest.nextCursor == nil)
        #expect(try fixture.store.listCourses(in: scope, status: .draft, limit: 100).courses.count == 5)
        #expect(try fixture.store.listCourses(in: scope, status: .archived, limit: 100).courses.isEmpty)

        let adminPage = try fixture.store.listCourses(in: scope, page: PageRequest(limit: 2, offset: 2))
        #expect(adminPage.total == 7 && adminPage.items.map(\.id) == [made[4].id, made[3].id])
        let everywhere = try fixture.store.listCourses(in: .everyOrganization, status: .draft, page: PageRequest(limit: 100))
        #expect(everywhere.total == 12 && everywhere.items.count == 12)

        #expect(throws: AccountsError.badRequest("Invalid cursor: pass the nextCursor of the previous page unchanged.")) { try ListCursor("not-a-cursor") }
        #expect(throws: AccountsError.badRequest("Invalid cursor: pass the nextCursor of the previous page unchanged.")) { try ListCursor("") }
        #expect(throws: AccountsError.badRequest("limit must be between 1 and 100 (got 0).")) {
            try fixture.store.listCourses(in: scope, limit: 0)
        }

        let statistics = try fixture.store.statistics()
        #expect(statistics.courses == 14 && statistics.coursesByStatus == [.draft: 12, .published: 2, .archived: 0])
        #expect(try fixture.store.organizationCounts(id: acme.id).courses == 7)
    }

    @Test("updates: slug moves, owner checks, generation transitions; delete removes every trace")
    func updateAndDelete() throws {
        let fixture = try StoreFixture()
        defer { fixture.cleanup() }
        let acme = try fixture.organization("Acme")
        let owner = try fixture.user("owner@acme.test", in: acme)
        let colleague = try fixture.user("colleague@acme.test", in: acme)
        let scope = TenantScope.organization(acme.id)
        let course = try fixture.course("Algebra", owner: owner)
        let other = try fixture.course("Geometry", owner: owner)
        fixture.clock.advance(milliseconds: 10)
        let renamed = try fixture.store.updateCourse(id: course.id, in: scope) {
            $0.slug = "algebra-one"
            $0.ownerID = colleague.id
            $0.generationStatus = .stage2Init
            $0.generationCode = "ABC-1234"
            $0.generationStartedAt = fixture.clock.date
        }
        #expect(renamed.updatedAt == fixture.clock.date && renamed.createdAt == course.createdAt)
        #expect(try fixture.store.course(slug: "algebra", organizationID: acme.id) == nil)
        #expect(try fixture.store.course(slug: "algebra-one", organizationID: acme.id)?.id == course.id)
        #expect(try fixture.store.course(id: course.id, in: scope) == renamed)
        // The old slug is free again.
        _ = try fixture.store.updateCourse(id: other.id, in: scope) { $0.slug = "algebra" }
        #expect(throws: AccountsError.conflict("A course with the slug \"algebra\" already exists in this organization.")) {
            try fixture.store.updateCourse(id: course.id, in: scope) { $0.slug = "algebra" }
        }
        #expect(throws: AccountsError.conflict("Invalid generation status transition: stage_2_init -> stage_5_complete (course_id: \(course.id.uuidString.lowercased()))")) {
            try fixture.store.updateCourse(id: course.id, in: scope) { $0.generationStatus = .stage5Complete }
        }
        #expect(throws: AccountsError.badRequest("The course owner must be a user of the course's organization.")) {
            try fixture.store.updateCourse(id: course.id, in: scope) { $0.ownerID = UUID() }
        }
        #expect(try fixture.store.course(id: course.id, in: scope) == renamed)

        let deleted = try fixture.store.deleteCourse(id: course.id, in: scope)
        #expect(deleted == renamed)
        #expect(throws: AccountsError.notFound("Course not found")) { try fixture.store.course(id: course.id, in: scope) }
        #expect(try fixture.store.course(slug: "algebra-one", organizationID: acme.id) == nil)
        #expect(try fixture.store.listCourses(in: scope, limit: 100).courses.map(\.id) == [other.id])
        #expect(try fixture.store.statistics().courses == 1)
        #expect(try fixture.store.organizationCounts(id: acme.id).courses == 1)
        #expect(throws: AccountsError.notFound("Course not found")) { try fixture.store.deleteCourse(id: course.id, in: scope) }
    }

    @Test("the generation status table: forward, to failed or cancelled, restart from a final state")
    func generationTransitions() {
        #expect(GenerationStatus.canTransition(from: nil, to: .stage4Init))
        #expect(GenerationStatus.canTransition(from: .pending, to: .stage2Init))
        #expect(!GenerationStatus.canTransition(from: .pending, to: .stage3Init))
        #expect(GenerationStatus.canTransition(from: .stage2Init, to: .stage2Complete))
        #expect(!GenerationStatus.canTransition(from: .stage2AwaitingApproval, to: .stage2Init))
        #expect(!GenerationStatus.canTransition(from: .stage2AwaitingApproval, to: .failed))
        #expect(GenerationStatus.canTransition(from: .finalizing, to: .completed))
        #expect(GenerationStatus.canTransition(from: .failed, to: .stage5Init))
        #expect(!GenerationStatus.canTransition(from: .completed, to: .finalizing))
        #expect(GenerationStatus.canTransition(from: .stage3Complete, to: .stage3Complete))
        #expect(GenerationStatus.canTransition(from: .stage3Complete, to: nil))
        for status in GenerationStatus.allCases where status != .completed && status != .failed && status != .cancelled {
            #expect(status.allowedNextStatuses.contains(.cancelled), "\(status) can be cancelled")
        }
    }

    @Test("stored records decode defensively: unknown values fall back, corrupt bytes are an error, not a crash")
    func defensiveDecoding() throws {
        let fixture = try StoreFixture()
        defer { fixture.cleanup() }
        let store = fixture.store
        let organizationID = UUID(), userID = UUID(), courseID = UUID()
        try store.environment.write { txn in
            try store.organizations.put(Array("{\"id\":\"\(organizationID)\",\"name\":\"Old\",\"tier\":\"basic_plus\",\"createdAt\":5}".utf8),
                                        for: Keys.id(organizationID), in: txn)
            try store.users.put(Array("{\"id\":\"\(userID)\",\"email\":\"a@b.test\",\"organizationID\":\"\(organizationID)\",\"role\":\"owner\",\"createdAt\":5}".utf8),
                                for: Keys.id(userID), in: txn)
            try store.courses.put(Array("{\"id\":\"\(courseID)\",\"organizationID\":\"\(organizationID)\",\"ownerID\":\"\(userID)\",\"title\":\"T\",\"slug\":\"t\",\"status\":\"hidden\",\"generationStatus\":\"stage_9\",\"settings\":[1],\"createdAt\":5}".utf8),
                                  for: Keys.id(courseID), in: txn)
        }
        let organization = try #require(try store.organization(id: organizationID))
        #expect(organization.tier == .free && organization.storageQuotaBytes == Tier.free.storageQuotaBytes && organization.updatedAt == organization.createdAt)
        let user = try #require(try store.user(id: userID))
        #expect(user.role == .student && user.isActive)
        let course = try store.course(id: courseID, in: .organization(organizationID))
        #expect(course.status == .draft && course.generationStatus == nil && course.settings == .object([:]))

        try store.environment.write { txn in try store.users.put(Array("{not json".utf8), for: Keys.id(userID), in: txn) }
        #expect(throws: StorageError.decoding(type: "User record", byteCount: 9)) { try store.user(id: userID) }
        let mistyped = "{\"id\":\"\(userID)\",\"email\":7,\"organizationID\":\"\(organizationID)\",\"createdAt\":5}"
        try store.environment.write { txn in try store.users.put(Array(mistyped.utf8), for: Keys.id(userID), in: txn) }
        #expect(throws: StorageError.decoding(type: "User record", byteCount: mistyped.utf8.count)) { try store.principal(userID: userID) }
        #expect(try store.principal(userID: UUID()) == nil)
    }

    @Test("dates print as ISO 8601 with milliseconds and Z, and records keep whole milliseconds")
    func dates() {
        #expect(Date(millisecondsSince1970: 0).iso8601Milliseconds == "1970-01-01T00:00:00.000Z")
        #expect(Date(millisecondsSince1970: 1_767_430_800_042).iso8601Milliseconds == "2026-01-03T09:00:00.042Z")
        #expect(Date(millisecondsSince1970: 951_782_400_000).iso8601Milliseconds == "2000-02-29T00:00:00.000Z")
        #expect(Date(millisecondsSince1970: -1).iso8601Milliseconds == "1969-12-31T23:59:59.999Z")
        let date = Date(timeIntervalSince1970: 1_767_430_800.0427)
        #expect(date.millisecondsSince1970 == 1_767_430_800_042)
        #expect(Date(timeIntervalSince1970: -0.0005).millisecondsSince1970 == -1)
        var random = SystemRandomNumberGenerator()
        let samples: [Int64] = [0, -1, 1, -999, 999, .max, .min] + (0..<10_000).map { _ in Int64.random(in: -4_000_000_000_000...4_000_000_000_000, using: &random) }
        for milliseconds in samples {
            #expect(Date(millisecondsSince1970: milliseconds).millisecondsSince1970 == milliseconds, "\(milliseconds)")
        }
    }
}
