import Foundation
import Testing
@testable import Accounts

@Suite("Admin rules and procedure kinds, with the contract's messages")
struct AdminRulesTests {
    @Test("each role against each procedure kind")
    func procedureKinds() throws {
        let fixture = try StoreFixture()
        defer { fixture.cleanup() }
        let acme = try fixture.organization("Acme")
        var principals: [Role: Principal] = [:]
        for role in Role.allCases {
            principals[role] = try fixture.principal(try fixture.user("\(role)@acme.test", in: acme, role: role))
        }
        let allowed: [ProcedureKind: Set<Role>] = [
            .public: Set(Role.allCases), .protected: Set(Role.allCases),
            .instructor: [.superadmin, .admin, .instructor], .admin: [.superadmin, .admin], .superadmin: [.superadmin],
        ]
        let required: [ProcedureKind: String] = [
            .instructor: "superadmin or admin or instructor", .admin: "superadmin or admin", .superadmin: "superadmin",
        ]
        for kind in ProcedureKind.allCases {
            for role in Role.allCases {
                let principal = try #require(principals[role])
                if allowed[kind]?.contains(role) == true {
                    #expect(throws: Never.self, "\(role) may call a \(kind) procedure") { try kind.authorize(principal) }
                } else {
                    let expected = AccountsError.forbidden("Access denied. Required role: \(required[kind] ?? ""). Your role: \(role.rawValue)")
                    #expect(throws: expected) { try kind.authorize(principal) }
                }
            }
            if kind == .public {
                #expect(throws: Never.self) { try kind.authorize(nil) }
            } else {
                #expect(throws: AccountsError.unauthorized("Authentication required. Please provide a valid Bearer token.")) { try kind.authorize(nil) }
            }
        }
    }

    @Test("a deactivated user is refused everything but public procedures (§13.13)")
    func deactivatedUsers() throws {
        let fixture = try StoreFixture()
        defer { fixture.cleanup() }
        let acme = try fixture.organization("Acme")
        let root = try fixture.principal(try fixture.user("root@acme.test", in: acme, role: .superadmin))
        let admin = try fixture.user("admin@acme.test", in: acme, role: .admin)
        _ = try fixture.store.setUserActivation(userID: admin.id, isActive: false, by: root)
        let deactivated = try fixture.principal(admin)
        #expect(!deactivated.user.isActive)
        #expect(throws: Never.self) { try ProcedureKind.public.authorize(deactivated) }
        for kind in [ProcedureKind.protected, .instructor, .admin] {
            #expect(throws: AccountsError.forbidden("Your account has been deactivated. Ask a superadmin to reactivate it.")) {
                try kind.authorize(deactivated)
            }
        }
        _ = try fixture.store.setUserActivation(userID: admin.id, isActive: true, by: root)
        #expect(throws: Never.self) { try ProcedureKind.admin.authorize(try fixture.principal(admin)) }
        #expect(try fixture.store.listUsers(in: .everyOrganization, filter: UserFilter(isActive: true)).total == 2)
    }

    @Test("updateUserRole: own role, superadmin assignment and modification, the last superadmin, not found")
    func updateUserRole() throws {
        let fixture = try StoreFixture()
        defer { fixture.cleanup() }
        let acme = try fixture.organization("Acme")
        let rootUser = try fixture.user("root@acme.test", in: acme, role: .superadmin)
        let root = try fixture.principal(rootUser)
        let admin = try fixture.principal(try fixture.user("admin@acme.test", in: acme, role: .admin))
        let student = try fixture.user("student@acme.test", in: acme, role: .student)

        #expect(throws: AccountsError.badRequest("Cannot change your own role. Ask another admin to make this change.")) {
            try fixture.store.updateUserRole(userID: admin.userID, to: .student, by: admin)
        }
        #expect(throws: AccountsError.forbidden("Only superadmins can assign the superadmin role.")) {
            try fixture.store.updateUserRole(userID: student.id, to: .superadmin, by: admin)
        }
        #expect(throws: AccountsError.forbidden("Only superadmins can modify superadmin users.")) {
            try fixture.store.updateUserRole(userID: rootUser.id, to: .admin, by: admin)
        }
        let missing = UUID()
        #expect(throws: AccountsError.notFound("Resource lookup failed. User not found: \(missing.uuidString.lowercased()). Please verify the ID and try again.")) {
            try fixture.store.updateUserRole(userID: missing, to: .admin, by: admin)
        }
        fixture.clock.advance(milliseconds: 7)
        let promoted = try fixture.store.updateUserRole(userID: student.id, to: .instructor, by: admin)
        #expect(promoted.role == .instructor && promoted.updatedAt == fixture.clock.date)
        #expect(try fixture.store.user(id: student.id)?.role == .instructor)
        #expect(try fixture.store.listUsers(in: .everyOrganization, filter: UserFilter(role: .student)).total == 0)
        #expect(try fixture.store.listUsers(in: .organization(acme.id), filter: UserFilter(role: .instructor)).items.map(\.id) == [student.id])

        // A superadmin promotes the admin, then the two superadmins race: the second demotion, made with a
        // principal read before the first, would leave none, and is refused.
        let second = try fixture.store.updateUserRole(userID: admin.userID, to: .superadmin, by: root)
        #expect(second.role == .superadmin)
        let staleSecond = try fixture.principal(second)
        _ = try fixture.store.updateUserRole(userID: rootUser.id, to: .admin, by: staleSecond)
        #expect(throws: AccountsError.badRequest("Cannot demote the last superadmin. Promote another user to superadmin first.")) {
            try fixture.store.updateUserRole(userID: second.id, to: .admin, by: root)
        }
        let statistics = try fixture.store.statistics()
        #expect(statistics.usersByRole == [.superadmin: 1, .admin: 1, .instructor: 1, .student: 0])
    }

    @Test("toggleUserActivation: not yourself; scope; the change is kept")
    func toggleActivation() throws {
        let fixture = try StoreFixture()
        defer { fixture.cleanup() }
        let acme = try fixture.organization("Acme")
        let beta = try fixture.organization("Beta")
        let root = try fixture.principal(try fixture.user("root@acme.test", in: acme, role: .superadmin))
        let betaUser = try fixture.user("user@beta.test", in: beta, role: .student)
        #expect(throws: AccountsError.badRequest("Cannot deactivate your own account. Ask another superadmin to make this change.")) {
            try fixture.store.setUserActivation(userID: root.userID, isActive: false, by: root)
        }
        #expect(try fixture.store.setUserActivation(userID: root.userID, isActive: true, by: root).isActive)
        let off = try fixture.store.setUserActivation(userID: betaUser.id, isActive: false, by: root)  // a superadmin crosses organisations
        #expect(!off.isActive)
        #expect(try fixture.store.user(id: betaUser.id)?.isActive == false)
        #expect(try fixture.store.listUsers(in: .organization(beta.id), filter: UserFilter(isActive: false)).items.map(\.id) == [betaUser.id])
        let missing = UUID()
        #expect(throws: AccountsStore.userNotFound(missing)) { try fixture.store.setUserActivation(userID: missing, isActive: true, by: root) }
    }

    @Test("admin.createUser: superadmins only for superadmins; admins in their own organisation only")
    func createUserByAdmin() throws {
        let fixture = try StoreFixture()
        defer { fixture.cleanup() }
        let acme = try fixture.organization("Acme")
        let beta = try fixture.organization("Beta")
        let admin = try fixture.principal(try fixture.user("admin@acme.test", in: acme, role: .admin))
        let root = try fixture.principal(try fixture.user("root@acme.test", in: acme, role: .superadmin))
        #expect(throws: AccountsError.forbidden("Only superadmins can assign the superadmin role.")) {
            try fixture.store.createUser(NewUser(email: "new@acme.test", organizationID: acme.id, role: .superadmin), by: admin)
        }
        #expect(throws: AccountsError.notFound("Organization not found")) {
            try fixture.store.createUser(NewUser(email: "new@beta.test", organizationID: beta.id), by: admin)
        }
        #expect(try fixture.store.createUser(NewUser(email: "new@acme.test", organizationID: acme.id, role: .instructor), by: admin).role == .instructor)
        #expect(try fixture.store.createUser(NewUser(email: "boss@beta.test", organizationID: beta.id, role: .superadmin), by: root).organizationID == beta.id)
    }
}
