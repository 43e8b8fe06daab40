import Accounts
import Foundation
import HTTPTypes
import Hummingbird
import HummingbirdTesting
import JSON
import Testing
@testable import Server

/// The platform procedures through the real `buildApplication`: each role against each procedure
/// kind, the contract's outputs and errors, and tenancy (another organisation's ids answer exactly like
/// missing ones and change nothing).
@Suite("tRPC procedures")
struct TRPCProcedureTests {
    @Test("each role against each procedure kind: the contract's UNAUTHORIZED and FORBIDDEN messages")
    func rolesAgainstKinds() async throws {
        let world = try await PlatformWorld.make()
        let app = try await buildApplication(world.configuration)
        try await app.test(.router) { client in
            // One procedure of each kind; every one answers something other than 401/403 when allowed.
            let probes: [(path: String, kind: ProcedureKind, query: Bool, input: String)] = [
                ("generation.test", .public, true, "{}"),
                ("billing.getQuota", .protected, true, "{}"),
                ("courses.list", .instructor, true, "{}"),
                ("admin.getCurrentUserRole", .admin, true, "{}"),
                ("admin.getStatistics", .superadmin, true, "{}"),
            ]
            let callers: [(User?, Role?)] = [(nil, nil), (world.student, .student), (world.instructor, .instructor), (world.admin, .admin), (world.superadmin, .superadmin)]
            for probe in probes {
                for (user, role) in callers {
                    let headers = user == nil ? [:] : try await world.bearer(user!)
                    let answer = probe.query ? try await client.trpcQuery(probe.path, probe.input, headers: headers)
                        : try await client.trpcMutation(probe.path, probe.input, headers: headers)
                    let allowed = probe.kind.allowedRoles.map { roles in role.map(roles.contains) ?? false } ?? (probe.kind == .public || user != nil)
                    if allowed {
                        #expect(answer.status == .ok, "\(probe.path) as \(role?.rawValue ?? "anonymous"): \(answer.text)")
                    } else if user == nil {
                        #expect(answer.status == .unauthorized, "\(probe.path) anonymous")
                        #expect(answer.errorMessage == "Authentication required. Please provide a valid Bearer token.")
                    } else {
                        #expect(answer.status == .forbidden, "\(probe.path) as \(role!.rawValue)")
                        let required = probe.kind.allowedRoles!.map(\.rawValue).joined(separator: " or ")
                        #expect(answer.errorMessage == "Access denied. Required role: \(required). Your role: \(role!.rawValue)")
                    }
                }
            }
        }
    }

    @Test("forged, expired, wrongly signed, alg none and malformed tokens leave the caller anonymous")
    func badTokens() async throws {
        let world = try await PlatformWorld.make()
        let app = try await buildApplication(world.configuration)
        let otherSecret = try await TokenAuthority(secret: "another-secret-that-is-long-enough-to-sign")
        let clock = Date().addingTimeInterval(-7200)
        let past = try await TokenAuthority(secret: testJWTSecret, now: { clock })
        let good = try await world.token(world.admin)
        let parts = good.split(separator: ".")
        let noneHeader = Data(#"{"alg":"none","typ":"JWT"}"#.utf8).base64EncodedString().replacingOccurrences(of: "=", with: "")
            .replacingOccurrences(of: "+", with: "-").replacingOccurrences(of: "/", with: "_")
        let tokens: [(String, String)] = [
            ("wrong secret", try await otherSecret.issue(userID: world.admin.id, ttl: 3600)),
            ("expired", try await past.issue(userID: world.admin.id, ttl: 60)),
            ("alg none", "\(noneHeader).\(parts[1])."),
            ("tampered payload", "\(parts[0]).\(parts[1].dropLast(2))AA.\(parts[2])"),
            ("unknown user", try await world.tokens.issue(userID: UUID(), ttl: 3600)),
            ("garbage", "not-a-jwt"),
        ]
        try await app.test(.router) { client in
            #expect(try await client.trpcQuery("billing.getQuota", headers: [.authorization: "Bearer \(good)"]).status == .ok)
            for (name, token) in tokens {
                let answer = try await client.trpcQuery("billing.getQuota", headers: [.authorization: "Bearer \(token)"])
                #expect(answer.status == .unauthorized, "\(name): \(answer.text)")
            }
            for header in ["Bearer", "Basic \(good)", "Bearer  \(good)", "bearer \(good) extra"] {
                #expect(try await client.trpcQuery("billing.getQuota", headers: [.authorization: header]).status == .unauthorized, "\(header)")
            }
        }
    }

    @Test("a deactivated user is refused everything but public procedures; reactivation lets them back")
    func deactivation() async throws {
        let world = try await PlatformWorld.make()
        let app = try await buildApplication(world.configuration)
        try await app.test(.router) { client in
            let root = try await world.bearer(world.superadmin)
            #expect(try await client.trpcMutation("admin.toggleUserActivation", #"{"userId":"\#(world.instructor.id.uuidString.lowercased())","isActive":false}"#, headers: root).status == .ok)
            let headers = try await world.bearer(world.instructor)
            let refused = try await client.trpcQuery("billing.getQuota", headers: headers)
            #expect(refused.status == .forbidden)
            #expect(refused.errorMessage == ProcedureKind.deactivatedMessage)
            #expect(try await client.trpcQuery("generation.test", headers: headers).status == .ok)
            let own = try await client.trpcMutation("admin.toggleUserActivation", #"{"userId":"\#(world.superadmin.id.uuidString.lowercased())","isActive":false}"#, headers: root)
            #expect(own.errorMessage == "Cannot deactivate your own account. Ask another superadmin to make this change.")
            #expect(try await client.trpcMutation("admin.toggleUserActivation", #"{"userId":"\#(world.instructor.id.uuidString.lowercased())","isActive":true}"#, headers: root).status == .ok)
            #expect(try await client.trpcQuery("billing.getQuota", headers: headers).status == .ok)
        }
    }

    @Test("billing: usage and quota with the contract's formatting")
    func billing() async throws {
        let world = try await PlatformWorld.make(tier: .basic)
        _ = try world.accounts.reserveStorage(organizationID: world.alpha.id, bytes: 1_572_864)
        let app = try await buildApplication(world.configuration)
        try await app.test(.router) { client in
            let headers = try await world.bearer(world.student)
            let usage = try await client.trpcQuery("billing.getUsage", headers: headers).data
            #expect(usage?["storageUsedBytes"] == 1_572_864)
            #expect(usage?["storageQuotaBytes"] == 104_857_600)
            #expect(usage?["storageUsedFormatted"] == "1.50 MB")
            #expect(usage?["storageQuotaFormatted"] == "100.00 MB")
            #expect(usage?["usagePercentage"] == 1.5)
            #expect(usage?["fileCount"] == 0)
            #expect(usage?["tier"] == "basic")
            let quota = try await client.trpcQuery("billing.getQuota", headers: headers).data
            #expect(quota?["tierDisplayName"] == "Basic")
            #expect(quota?["fileCountLimit"] == 1)
            #expect(quota?["fileCountLimitDisplay"] == "1 file per course")
            #expect(quota?["canUpgrade"] == true)
            #expect(quota?["nextTier"] == "standard")
            #expect(quota?["upgradePrompt"] == "Upgrade to Standard for 1.00 GB storage and 3 files per course")
        }
    }

    @Test("admin lists are scoped: an admin sees their organisation only, a superadmin every one (the platform leaked all)")
    func adminListsAreScoped() async throws {
        let world = try await PlatformWorld.make()
        _ = try world.accounts.createCourse(NewCourse(title: "Beta course"), ownerID: world.betaInstructor.id, organizationID: world.beta.id)
        _ = try world.accounts.createCourse(NewCourse(title: "Alpha course"), ownerID: world.instructor.id, organizationID: world.alpha.id)
        let app = try await buildApplication(world.configuration)
        try await app.test(.router) { client in
            let admin = try await world.bearer(world.admin), root = try await world.bearer(world.superadmin)
            let organizations = try await client.trpcQuery("admin.listOrganizations", #"{"limit":10}"#, headers: admin).data?.arrayValue
            #expect(organizations?.map { $0["name"] } == ["Alpha Academy"])
            #expect(try await client.trpcQuery("admin.listOrganizations", headers: root).data?.arrayValue?.count == 2)
            let users = try await client.trpcQuery("admin.listUsers", headers: admin).data
            #expect(users?["totalCount"] == 5)
            #expect(users?["users"]?.arrayValue?.allSatisfy { $0["organizationName"] == "Alpha Academy" } == true)
            let filtered = try await client.trpcQuery("admin.listUsers", #"{"role":"instructor","search":"other"}"#, headers: admin).data
            #expect(filtered?["users"]?.arrayValue?.map { $0["email"] } == ["other@alpha.test"])
            let foreign = try await client.trpcQuery("admin.listUsers", #"{"organizationId":"\#(world.beta.id.uuidString.lowercased())"}"#, headers: admin).data
            #expect(foreign?["totalCount"] == 0)
            #expect(try await client.trpcQuery("admin.listUsers", #"{"organizationId":"\#(world.beta.id.uuidString.lowercased())"}"#, headers: root).data?["totalCount"] == 2)
            let courses = try await client.trpcQuery("admin.listCourses", headers: admin).data?.arrayValue
            #expect(courses?.map { $0["title"] } == ["Alpha course"])
            #expect(courses?.first?["instructorEmail"] == "instructor@alpha.test")
            #expect(try await client.trpcQuery("admin.listCourses", headers: root).data?.arrayValue?.count == 2)
            let badPage = try await client.trpcQuery("admin.listOrganizations", #"{"limit":101}"#, headers: root)
            #expect(badPage.status == .badRequest)
            #expect(badPage.errorMessage?.contains(#""code": "too_big""#) == true)
        }
    }

    @Test("statistics, organisation details, create and update (a tier change sets the quota)")
    func organizations() async throws {
        let world = try await PlatformWorld.make()
        let app = try await buildApplication(world.configuration)
        try await app.test(.router) { client in
            let root = try await world.bearer(world.superadmin)
            let statistics = try await client.trpcQuery("admin.getStatistics", headers: root).data
            #expect(statistics?["organizations"]?["total"] == 2)
            #expect(statistics?["organizations"]?["byTier"]?["standard"] == 2)
            #expect(statistics?["users"]?["byRole"]?["instructor"] == 3)
            let created = try await client.trpcMutation("admin.createOrganization", #"{"name":"Gamma College","tier":"premium"}"#, headers: root).data
            let key = created?["apiKey"]?.stringValue ?? ""
            #expect(key.hasPrefix("mcai_") && key.count == 69)
            let id = created?["organization"]?["id"]?.stringValue ?? ""
            #expect(created?["organization"]?["storageQuotaBytes"] == 10_737_418_240)
            let detail = try await client.trpcQuery("admin.getOrganization", #"{"organizationId":"\#(id)"}"#, headers: root).data
            #expect(detail?["activeApiKeyCount"] == 1 && detail?["userCount"] == 0 && detail?["courseCount"] == 0)
            let duplicate = try await client.trpcMutation("admin.createOrganization", #"{"name":"gamma college","tier":"free"}"#, headers: root)
            #expect(duplicate.status == .conflict)
            let short = try await client.trpcMutation("admin.createOrganization", #"{"name":"Ga","tier":"free"}"#, headers: root)
            #expect(short.status == .badRequest && short.errorMessage?.contains("too_small") == true)
            let updated = try await client.trpcMutation("admin.updateOrganization", #"{"organizationId":"\#(id)","data":{"tier":"basic"}}"#, headers: root).data
            #expect(updated?["tier"] == "basic" && updated?["storageQuotaBytes"] == 104_857_600)
            let missing = try await client.trpcQuery("admin.getOrganization", #"{"organizationId":"\#(UUID().uuidString.lowercased())"}"#, headers: root)
            #expect(missing.status == .notFound && missing.errorMessage == "Organization not found")
        }
    }

    @Test("role changes follow the contract's rules and messages")
    func roleRules() async throws {
        let world = try await PlatformWorld.make()
        let app = try await buildApplication(world.configuration)
        try await app.test(.router) { client in
            let admin = try await world.bearer(world.admin), root = try await world.bearer(world.superadmin)
            func change(_ user: User, _ role: String, by headers: HTTPFields) async throws -> TRPCAnswer {
                try await client.trpcMutation("admin.updateUserRole", #"{"userId":"\#(user.id.uuidString.lowercased())","role":"\#(role)"}"#, headers: headers)
            }
            #expect(try await change(world.admin, "student", by: admin).errorMessage == "Cannot change your own role. Ask another admin to make this change.")
            #expect(try await change(world.student, "superadmin", by: admin).errorMessage == "Only superadmins can assign the superadmin role.")
            #expect(try await change(world.superadmin, "admin", by: admin).errorMessage == "Only superadmins can modify superadmin users.")
            let promoted = try await change(world.student, "instructor", by: admin)
            #expect(promoted.data?["role"] == "instructor")
            // Another organisation's user answers exactly like a missing one, and is unchanged.
            let foreign = try await change(world.betaInstructor, "student", by: admin)
            let missing = try await client.trpcMutation("admin.updateUserRole", #"{"userId":"\#(UUID().uuidString.lowercased())","role":"student"}"#, headers: admin)
            #expect(foreign.status == .notFound && missing.status == .notFound)
            #expect(foreign.errorMessage?.replacingOccurrences(of: world.betaInstructor.id.uuidString.lowercased(), with: "ID")
                    == missing.errorMessage?.components(separatedBy: "User not found: ").first.map { $0 + "User not found: ID. Please verify the ID and try again." })
            #expect(try world.accounts.user(id: world.betaInstructor.id)?.role == .instructor)
            #expect(try await client.trpcQuery("admin.getCurrentUserRole", headers: root).data?["role"] == "superadmin")
            let created = try await client.trpcMutation("admin.createUser", #"{"email":"new@alpha.test","role":"instructor"}"#, headers: admin)
            #expect(created.data?["organizationId"] == .string(world.alpha.id.uuidString.lowercased()))
            let elsewhere = try await client.trpcMutation("admin.createUser", #"{"email":"x@beta.test","organizationId":"\#(world.beta.id.uuidString.lowercased())"}"#, headers: admin)
            #expect(elsewhere.status == .notFound)
        }
    }

    @Test("courses: concurrent creates with one title share commits and still get distinct slugs; concurrent updates all land")
    func concurrentCourseWrites() async throws {
        let world = try await PlatformWorld.make()
        let app = try await buildApplication(world.configuration)
        try await app.test(.router) { client in
            let mine = try await world.bearer(world.instructor)
            let slugs = try await withThrowingTaskGroup(of: String?.self) { group in
                for _ in 0..<40 {
                    group.addTask { try await client.trpcMutation("courses.create", #"{"title":"Same Title"}"#, headers: mine).data?["slug"]?.stringValue }
                }
                var slugs: [String?] = []
                for try await slug in group { slugs.append(slug) }
                return slugs
            }
            #expect(slugs.count == 40 && slugs.allSatisfy { $0?.hasPrefix("same-title") == true })
            #expect(Set(slugs.compactMap { $0 }).count == 40)
            #expect(try world.accounts.listCourses(in: .organization(world.alpha.id), limit: 100).courses.count == 40)

            let id = try await client.trpcMutation("courses.create", #"{"title":"Target"}"#, headers: mine).data?["id"]?.stringValue ?? ""
            let statuses = try await withThrowingTaskGroup(of: Int.self) { group in
                for n in 0..<20 {
                    group.addTask {
                        try await Int(client.trpcMutation("courses.update", #"{"courseId":"\#(id)","description":"version \#(n)"}"#, headers: mine).status.code)
                    }
                }
                var statuses: [Int] = []
                for try await status in group { statuses.append(status) }
                return statuses
            }
            #expect(statuses.allSatisfy { $0 == 200 })
            let final = try await client.trpcQuery("courses.get", #"{"courseId":"\#(id)"}"#, headers: mine).data
            #expect((0..<20).map { "version \($0)" }.contains(final?["description"]?.stringValue ?? ""))
        }
    }

    @Test("admin mutations are group-committed: concurrent tier changes, renames and role changes all land, counts stay exact")
    func concurrentAdminWrites() async throws {
        let world = try await PlatformWorld.make()
        let app = try await buildApplication(world.configuration)
        try await app.test(.router) { client in
            let root = try await world.bearer(world.superadmin)
            let alpha = world.alpha.id.lowercasedString
            let tiers = ["free", "basic", "standard", "premium"]
            let statuses = try await withThrowingTaskGroup(of: Int.self) { group in
                for n in 0..<24 {
                    group.addTask {
                        let input = #"{"organizationId":"\#(alpha)","data":{"tier":"\#(tiers[n % 4])"}}"#
                        return try await Int(client.trpcMutation("admin.updateOrganization", input, headers: root).status.code)
                    }
                }
                for (n, user) in [world.student, world.otherInstructor].enumerated() {
                    group.addTask {
                        let input = #"{"userId":"\#(user.id.lowercasedString)","role":"\#(n == 0 ? "instructor" : "student")"}"#
                        return try await Int(client.trpcMutation("admin.updateUserRole", input, headers: root).status.code)
                    }
                }
                group.addTask {
                    let input = #"{"userId":"\#(world.betaInstructor.id.lowercasedString)","isActive":false}"#
                    return try await Int(client.trpcMutation("admin.toggleUserActivation", input, headers: root).status.code)
                }
                group.addTask {
                    try await Int(client.trpcMutation("admin.createOrganization", #"{"name":"Gamma College","tier":"basic"}"#, headers: root).status.code)
                }
                var statuses: [Int] = []
                for try await status in group { statuses.append(status) }
                return statuses
            }
            #expect(statuses.count == 28 && statuses.allSatisfy { $0 == 200 }, "\(statuses)")
            let organization = try #require(try world.accounts.organization(id: world.alpha.id))
            #expect(tiers.contains(organization.tier.rawValue))
            #expect(organization.storageQuotaBytes == organization.tier.storageQuotaBytes)
            #expect(try world.accounts.user(id: world.student.id)?.role == .instructor)
            #expect(try world.accounts.user(id: world.otherInstructor.id)?.role == .student)
            #expect(try world.accounts.user(id: world.betaInstructor.id)?.isActive == false)
            // The per-tier organisation counts moved with every change: they still add up to the organisations.
            let statistics = try await client.trpcQuery("admin.getStatistics", nil, headers: root)
            #expect(statistics.status == .ok, "\(statistics.text)")
            #expect(statistics.data?["organizations"]?["total"] == 3, "\(statistics.text)")
            let byTier = statistics.data?["organizations"]?["byTier"]?.objectValue ?? [:]
            #expect(byTier.values.compactMap(\.numberValue).reduce(0, +) == 3, "\(statistics.text)")
        }
    }

    @Test("courses: create with only a title, get, cursor pages newest first, update and delete by the owner or an admin")
    func courses() async throws {
        let world = try await PlatformWorld.make()
        let app = try await buildApplication(world.configuration)
        try await app.test(.router) { client in
            let mine = try await world.bearer(world.instructor)
            let created = try await client.trpcMutation("courses.create", #"{"title":"Intro to Swift"}"#, headers: mine)
            #expect(created.status == .ok)
            let id = created.data?["id"]?.stringValue ?? ""
            #expect(created.data?["slug"] == "intro-to-swift" && created.data?["status"] == "draft")
            #expect(created.data?["userId"] == .string(world.instructor.id.uuidString.lowercased()))
            for n in 1...4 { _ = try await client.trpcMutation("courses.create", #"{"title":"Course \#(n)","status":"published"}"#, headers: mine) }
            let first = try await client.trpcQuery("courses.list", #"{"limit":2}"#, headers: mine).data
            #expect(first?["courses"]?.arrayValue?.map { $0["title"] } == ["Course 4", "Course 3"])
            let cursor = first?["nextCursor"]?.stringValue ?? ""
            let second = try await client.trpcQuery("courses.list", #"{"limit":2,"cursor":"\#(cursor)"}"#, headers: mine).data
            #expect(second?["courses"]?.arrayValue?.map { $0["title"] } == ["Course 2", "Course 1"])
            #expect(try await client.trpcQuery("courses.list", #"{"status":"draft"}"#, headers: mine).data?["courses"]?.arrayValue?.count == 1)
            let badCursor = try await client.trpcQuery("courses.list", #"{"cursor":"nope"}"#, headers: mine)
            #expect(badCursor.status == .badRequest)

            let other = try await world.bearer(world.otherInstructor)
            let notOwner = try await client.trpcMutation("courses.update", #"{"courseId":"\#(id)","title":"Mine now"}"#, headers: other)
            #expect(notOwner.status == .forbidden && notOwner.errorMessage == "You do not have access to this course")
            let byAdmin = try await client.trpcMutation("courses.update", #"{"courseId":"\#(id)","title":"Renamed","settings":{"level":"beginner"}}"#,
                                                        headers: try await world.bearer(world.admin))
            #expect(byAdmin.data?["title"] == "Renamed" && byAdmin.data?["settings"]?["level"] == "beginner")
            let fetched = try await client.trpcQuery("courses.get", #"{"courseId":"\#(id)"}"#, headers: mine)
            #expect(fetched.data?["title"] == "Renamed")
            let student = try await client.trpcQuery("courses.get", #"{"courseId":"\#(id)"}"#, headers: try await world.bearer(world.student))
            #expect(student.status == .forbidden)
            #expect(try await client.trpcMutation("courses.delete", #"{"courseId":"\#(id)"}"#, headers: mine).data?["success"] == true)
            #expect(try await client.trpcQuery("courses.get", #"{"courseId":"\#(id)"}"#, headers: mine).status == .notFound)
        }
    }

    @Test("another organisation's course id answers exactly like a missing one, for every course procedure, and changes nothing")
    func courseTenancy() async throws {
        let world = try await PlatformWorld.make()
        let foreign = try world.accounts.createCourse(NewCourse(title: "Beta secret"), ownerID: world.betaInstructor.id, organizationID: world.beta.id)
        let app = try await buildApplication(world.configuration)
        try await app.test(.router) { client in
            let admin = try await world.bearer(world.admin)
            let missingID = UUID().uuidString.lowercased(), foreignID = foreign.id.uuidString.lowercased()
            let calls: [(String, Bool, (String) -> String)] = [
                ("courses.get", true, { #"{"courseId":"\#($0)"}"# }),
                ("courses.update", false, { #"{"courseId":"\#($0)","title":"Hijacked"}"# }),
                ("courses.delete", false, { #"{"courseId":"\#($0)"}"# }),
            ]
            for (path, query, input) in calls {
                let a = query ? try await client.trpcQuery(path, input(foreignID), headers: admin) : try await client.trpcMutation(path, input(foreignID), headers: admin)
                let b = query ? try await client.trpcQuery(path, input(missingID), headers: admin) : try await client.trpcMutation(path, input(missingID), headers: admin)
                #expect(a.status == .notFound, "\(path)")
                #expect(a.text == b.text, "\(path): \(a.text) vs \(b.text)")
            }
            let after = try world.accounts.course(id: foreign.id, in: .organization(world.beta.id))
            #expect(after == foreign)
            // A superadmin crosses organisations.
            #expect(try await client.trpcQuery("courses.get", #"{"courseId":"\#(foreignID)"}"#, headers: try await world.bearer(world.superadmin)).status == .ok)
        }
    }
}
