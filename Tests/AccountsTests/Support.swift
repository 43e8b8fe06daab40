import Foundation
import Storage
import Synchronization
@testable import Accounts

/// A fresh directory path under the temporary directory (not created).
func temporaryDirectory() -> String {
    FileManager.default.temporaryDirectory.appendingPathComponent("campus-accounts-\(UUID().uuidString)").path
}

/// A clock tests move by hand: milliseconds since 1970, starting at 2026-01-03T09:00:00.000Z.
final class ManualClock: Sendable {
    private let milliseconds = Mutex<Int64>(1_767_430_800_000)

    var now: Int64 { milliseconds.withLock { $0 } }
    var date: Date { Date(millisecondsSince1970: now) }

    func advance(milliseconds delta: Int64) {
        milliseconds.withLock { $0 += delta }
    }
}

/// An `AccountsStore` over a fresh environment with a manual clock; `cleanup` removes the directory.
struct StoreFixture {
    let path: String
    let clock = ManualClock()
    let store: AccountsStore

    init() throws {
        path = temporaryDirectory()
        let clock = self.clock
        store = try AccountsStore(environment: try Environment.open(path: path), now: { clock.date })
    }

    func cleanup() { try? FileManager.default.removeItem(atPath: path) }

    /// An organisation and one user of `role` in it, one millisecond apart from what came before.
    func organization(_ name: String, tier: Tier = .standard) throws -> Organization {
        clock.advance(milliseconds: 1)
        return try store.createOrganization(name: name, tier: tier)
    }

    func user(_ email: String, in organization: Organization, role: Role = .instructor) throws -> User {
        clock.advance(milliseconds: 1)
        return try store.createUser(NewUser(email: email, organizationID: organization.id, role: role))
    }

    func principal(_ user: User) throws -> Principal {
        guard let principal = try store.principal(userID: user.id) else { throw AccountsError.notFound("no principal") }
        return principal
    }

    func course(_ title: String, owner: User) throws -> Course {
        clock.advance(milliseconds: 1)
        return try store.createCourse(NewCourse(title: title), ownerID: owner.id, organizationID: owner.organizationID)
    }
}
