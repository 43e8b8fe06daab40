import Accounts
import Foundation
import JSON

/// `admin.*` (contract §5.5). Unlike the platform, whose list procedures returned every organisation to any
/// admin (§13.5), every read and write is scoped: an admin sees and changes their own organisation only,
/// a superadmin all of them.
enum AdminProcedures {
    static let roles = Role.allCases.map(\.rawValue)
    static let tiers = Tier.allCases.map(\.rawValue)

    static func all(_ services: PlatformServices) -> [TRPCProcedure] {
        let accounts = services.accounts, workflow = services.workflow
        return [
            .query("admin.listOrganizations", .admin) { call in
                let caller = try call.caller()
                var input = call.reader(optional: true)
                let (limit, offset) = input.page()
                try input.finish()
                let page = try accounts.listOrganizations(in: caller.scope, page: try PageRequest(limit: limit, offset: offset))
                return .array(page.items.map(organizationItem))
            },
            .query("admin.listUsers", .admin) { call in
                let caller = try call.caller()
                var input = call.reader(optional: true)
                let (limit, offset) = input.page()
                let organizationID = input.uuid("organizationId", required: false)
                let role = input.enumeration("role", required: false, options: roles).flatMap(Role.init(rawValue:))
                let isActive = input.bool("isActive", required: false)
                let search = input.string("search", required: false)
                try input.finish()
                guard let scope = caller.scope.narrowed(to: organizationID) else {
                    return .object([("users", .array([])), ("totalCount", .int(0))])
                }
                let page = try accounts.listUsers(
                    in: scope, filter: UserFilter(role: role, isActive: isActive, emailContains: search), page: try PageRequest(limit: limit, offset: offset)
                )
                var names: [UUID: String] = [:]
                let users: [WireValue] = try page.items.map { user in
                    if names[user.organizationID] == nil {
                        names[user.organizationID] = try accounts.organization(id: user.organizationID)?.name ?? "Unknown Organization"
                    }
                    return .object([
                        ("id", PlatformWire.id(user.id)), ("email", .string(user.email)), ("role", .string(user.role.rawValue)),
                        ("organizationId", PlatformWire.id(user.organizationID)), ("organizationName", .string(names[user.organizationID] ?? "Unknown Organization")),
                        ("isActive", .bool(user.isActive)), ("createdAt", PlatformWire.date(user.createdAt)), ("updatedAt", PlatformWire.date(user.updatedAt)),
                    ])
                }
                return .object([("users", .array(users)), ("totalCount", .int(page.total))])
            },
            .query("admin.listCourses", .admin) { call in
                let caller = try call.caller()
                var input = call.reader(optional: true)
                let (limit, offset) = input.page()
                let organizationID = input.uuid("organizationId", required: false)
                let status = input.enumeration("status", required: false, options: CourseStatus.allCases.map(\.rawValue)).flatMap(CourseStatus.init(rawValue:))
                try input.finish()
                guard let scope = caller.scope.narrowed(to: organizationID) else { return .array([]) }
                let page = try accounts.listCourses(in: scope, status: status, page: try PageRequest(limit: limit, offset: offset))
                var organizations: [UUID: String] = [:], owners: [UUID: String] = [:]
                return .array(try page.items.map { course in
                    if organizations[course.organizationID] == nil {
                        organizations[course.organizationID] = try accounts.organization(id: course.organizationID)?.name ?? "Unknown Organization"
                    }
                    if owners[course.ownerID] == nil { owners[course.ownerID] = try accounts.user(id: course.ownerID)?.email ?? "Unknown User" }
                    return .object([
                        ("id", PlatformWire.id(course.id)), ("title", .string(course.title)), ("slug", .string(course.slug)),
                        ("status", .string(course.status.rawValue)), ("instructorId", PlatformWire.id(course.ownerID)),
                        ("instructorEmail", .string(owners[course.ownerID] ?? "Unknown User")), ("organizationId", PlatformWire.id(course.organizationID)),
                        ("organizationName", .string(organizations[course.organizationID] ?? "Unknown Organization")),
                        ("createdAt", PlatformWire.date(course.createdAt)), ("updatedAt", PlatformWire.date(course.updatedAt)),
                    ])
                })
            },
            .query("admin.getStatistics", .superadmin) { _ in
                let statistics = try accounts.statistics()
                return .object([
                    ("organizations", .object([("total", .int(statistics.organizations)),
                                               ("byTier", .object(Tier.allCases.map { ($0.rawValue, .int(statistics.organizationsByTier[$0] ?? 0)) }))])),
                    ("courses", .object([("total", .int(statistics.courses)),
                                         ("byStatus", .object(CourseStatus.allCases.map { ($0.rawValue, .int(statistics.coursesByStatus[$0] ?? 0)) }))])),
                    ("users", .object([("total", .int(statistics.users)),
                                       ("byRole", .object(["admin", "instructor", "student", "superadmin"].map { ($0, .int(statistics.usersByRole[Role(rawValue: $0) ?? .student] ?? 0)) }))])),
                ])
            },
            .query("admin.getOrganization", .superadmin) { call in
                var input = call.reader()
                let id = input.uuid("organizationId")
                try input.finish()
                guard let id, let organization = try accounts.organization(id: id) else { throw AccountsError.notFound("Organization not found") }
                let counts = try accounts.organizationCounts(id: id)
                guard case .object(var fields) = organizationItem(organization) else { return organizationItem(organization) }
                fields += [("userCount", .int(counts.users)), ("courseCount", .int(counts.courses)), ("activeApiKeyCount", .int(try accounts.activeAPIKeyCount(organizationID: id)))]
                return .object(fields)
            },
            .mutation("admin.createOrganization", .superadmin) { call in
                var input = call.reader()
                let name = input.string("name", min: 3, max: 100)
                let tier = input.enumeration("tier", options: tiers).flatMap(Tier.init(rawValue:))
                try input.finish()
                guard let name, let tier else { throw TRPCError(.badRequest, "invalid input") }
                let (organization, apiKey) = try await workflow.createOrganizationWithAPIKey(name: name, tier: tier, createdBy: try call.caller().userID)
                return .object([("organization", organizationItem(organization)), ("apiKey", .string(apiKey))])
            },
            .mutation("admin.updateOrganization", .superadmin) { call in
                var input = call.reader()
                let id = input.uuid("organizationId")
                let change = input.object("data") { data -> (String?, Tier?) in
                    (data.string("name", required: false, min: 3, max: 100), data.enumeration("tier", required: false, options: tiers).flatMap(Tier.init(rawValue:)))
                }
                try input.finish()
                guard let id, let change else { throw TRPCError(.badRequest, "invalid input") }
                return organizationItem(try await workflow.updateOrganization(id: id, name: change.0, tier: change.1))
            },
            .mutation("admin.updateUserRole", .admin) { call in
                var input = call.reader()
                let userID = input.uuid("userId")
                let role = input.enumeration("role", options: roles).flatMap(Role.init(rawValue:))
                try input.finish()
                guard let userID, let role else { throw TRPCError(.badRequest, "invalid input") }
                return userItem(try await workflow.updateUserRole(userID: userID, to: role, by: try call.caller()))
            },
            .mutation("admin.toggleUserActivation", .superadmin) { call in
                var input = call.reader()
                let userID = input.uuid("userId")
                let isActive = input.bool("isActive")
                try input.finish()
                guard let userID, let isActive else { throw TRPCError(.badRequest, "invalid input") }
                return userItem(try await workflow.setUserActivation(userID: userID, isActive: isActive, by: try call.caller()))
            },
            .query("admin.getCurrentUserRole", .admin) { call in
                .object([("role", .string(try call.caller().role.rawValue))])
            },
            .mutation("admin.createUser", .admin) { call in
                let caller = try call.caller()
                var input = call.reader()
                let email = input.string("email", min: 3, max: 320)
                let role = input.enumeration("role", required: false, options: roles).flatMap(Role.init(rawValue:)) ?? .student
                let organizationID = input.uuid("organizationId", required: false) ?? caller.organizationID
                let fullName = input.string("fullName", required: false, max: 200)
                let isActive = input.bool("isActive", required: false) ?? true
                try input.finish()
                guard let email else { throw TRPCError(.badRequest, "invalid input") }
                var new = NewUser(email: email, organizationID: organizationID, role: role)
                new.fullName = fullName
                new.isActive = isActive
                return userItem(try accounts.createUser(new, by: caller))
            },
        ]
    }

    /// The list item of `admin.listOrganizations`: `{id, name, tier, storageQuotaBytes, storageUsedBytes,
    /// storageUsedPercentage, createdAt, updatedAt}` (slug too, which the web app may use).
    static func organizationItem(_ organization: Organization) -> WireValue {
        .object([
            ("id", PlatformWire.id(organization.id)), ("name", .string(organization.name)), ("slug", .string(organization.slug)),
            ("tier", .string(organization.tier.rawValue)), ("storageQuotaBytes", .json(.int(organization.storageQuotaBytes))),
            ("storageUsedBytes", .json(.int(organization.storageUsedBytes))), ("storageUsedPercentage", .int(organization.storageUsedPercentage)),
            ("createdAt", PlatformWire.date(organization.createdAt)), ("updatedAt", PlatformWire.date(organization.updatedAt)),
        ])
    }

    static func userItem(_ user: User) -> WireValue { user.wire }
}
