import Foundation
import Storage
import Testing
@testable import Accounts

@Suite("Tenancy: another organisation's id answers exactly like a missing one and changes nothing")
struct TenancyTests {
    /// Every entry of every Accounts table, to prove a refused call wrote nothing.
    static func snapshot(_ store: AccountsStore) throws -> [String: [[UInt8]: [UInt8]]] {
        var tables: [String: [[UInt8]: [UInt8]]] = [:]
        for name in try store.environment.tableNames() where name.hasPrefix("accounts.") {
            let table: Table<[UInt8], [UInt8]> = try store.environment.table(name)
            let entries = try store.environment.read { try table.entries(in: $0) }
            tables[name] = Dictionary(uniqueKeysWithValues: entries.map { ($0.key, $0.value) })
        }
        return tables
    }

    /// What `body` throws (nil when it does not).
    static func thrown(_ body: () throws -> Void) -> AccountsError? {
        do {
            try body()
            return nil
        } catch {
            return error as? AccountsError
        }
    }

    @Test("get, update and delete of another organisation's course answer like a missing id; nothing is written")
    func courses() throws {
        let fixture = try StoreFixture()
        defer { fixture.cleanup() }
        let acme = try fixture.organization("Acme")
        let beta = try fixture.organization("Beta")
        let betaOwner = try fixture.user("owner@beta.test", in: beta)
        let betaCourse = try fixture.course("Beta secrets", owner: betaOwner)
        let acmeScope = TenantScope.organization(acme.id)
        let before = try Self.snapshot(fixture.store)
        fixture.clock.advance(milliseconds: 1000)

        let operations: [(String, (UUID) throws -> Void)] = [
            ("get", { _ = try fixture.store.course(id: $0, in: acmeScope) }),
            ("update", { _ = try fixture.store.updateCourse(id: $0, in: acmeScope) { $0.title = "stolen" } }),
            ("status", { _ = try fixture.store.updateCourse(id: $0, in: acmeScope) { $0.status = .archived } }),
            ("delete", { _ = try fixture.store.deleteCourse(id: $0, in: acmeScope) }),
        ]
        for (name, operation) in operations {
            let foreign = Self.thrown { try operation(betaCourse.id) }
            let missing = Self.thrown { try operation(UUID()) }
            #expect(foreign == AccountsStore.courseNotFound, "\(name)")
            #expect(foreign == missing, "\(name)")
        }
        #expect(try fixture.store.listCourses(in: acmeScope, limit: 100).courses.isEmpty)
        #expect(try fixture.store.listCourses(in: acmeScope, page: .first).total == 0)
        #expect(try Self.snapshot(fixture.store) == before)
        // The owner's organisation and a superadmin still see it, unchanged.
        #expect(try fixture.store.course(id: betaCourse.id, in: .organization(beta.id)) == betaCourse)
        #expect(try fixture.store.course(id: betaCourse.id, in: .everyOrganization) == betaCourse)
    }

    @Test("a cursor from one organisation's list reads nothing of another's")
    func cursors() throws {
        let fixture = try StoreFixture()
        defer { fixture.cleanup() }
        let acme = try fixture.organization("Acme")
        let beta = try fixture.organization("Beta")
        let acmeOwner = try fixture.user("owner@acme.test", in: acme)
        let betaOwner = try fixture.user("owner@beta.test", in: beta)
        let betaCourses = try (0..<3).map { try fixture.course("Beta \($0)", owner: betaOwner) }
        _ = try fixture.course("Acme", owner: acmeOwner)
        let betaPage = try fixture.store.listCourses(in: .organization(beta.id), limit: 1)
        let cursor = try #require(betaPage.nextCursor)
        let acmeAfter = try fixture.store.listCourses(in: .organization(acme.id), limit: 100, after: cursor)
        #expect(acmeAfter.courses.allSatisfy { $0.organizationID == acme.id })
        #expect(!acmeAfter.courses.contains { course in betaCourses.contains { $0.id == course.id } })
    }

    @Test("admin rules on another organisation's user answer like a missing user and change nothing")
    func users() throws {
        let fixture = try StoreFixture()
        defer { fixture.cleanup() }
        let acme = try fixture.organization("Acme")
        let beta = try fixture.organization("Beta")
        let admin = try fixture.principal(try fixture.user("admin@acme.test", in: acme, role: .admin))
        let betaUser = try fixture.user("student@beta.test", in: beta, role: .student)
        let before = try Self.snapshot(fixture.store)
        let missingID = UUID()
        let message = { (id: UUID) in AccountsStore.userNotFound(id) }

        #expect(Self.thrown { _ = try fixture.store.updateUserRole(userID: betaUser.id, to: .instructor, by: admin) } == message(betaUser.id))
        #expect(Self.thrown { _ = try fixture.store.updateUserRole(userID: missingID, to: .instructor, by: admin) } == message(missingID))
        #expect(Self.thrown { _ = try fixture.store.setUserActivation(userID: betaUser.id, isActive: false, by: admin) } == message(betaUser.id))
        #expect(Self.thrown { _ = try fixture.store.user(id: betaUser.id, in: admin.scope) } == message(betaUser.id))
        #expect(Self.thrown { _ = try fixture.store.createUser(NewUser(email: "x@beta.test", organizationID: beta.id), by: admin) }
                == Self.thrown { _ = try fixture.store.createUser(NewUser(email: "x@nowhere.test", organizationID: UUID()), by: admin) })
        #expect(Self.thrown { _ = try fixture.store.organization(id: beta.id, in: admin.scope) } == AccountsError.notFound("Organization not found"))
        #expect(try fixture.store.listUsers(in: admin.scope).items.allSatisfy { $0.organizationID == acme.id })
        #expect(admin.scope.narrowed(to: beta.id) == nil)
        #expect(admin.scope.narrowed(to: acme.id) == .organization(acme.id))
        #expect(TenantScope.everyOrganization.narrowed(to: beta.id) == .organization(beta.id))
        #expect(try Self.snapshot(fixture.store) == before)
    }
}
