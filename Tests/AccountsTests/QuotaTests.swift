import Dispatch
import Foundation
import Synchronization
import Testing
@testable import Accounts

@Suite("Storage quotas: atomic reservations, the contract's message, never over quota, never negative")
struct QuotaTests {
    @Test("reserve up to the quota, refuse past it with the exact message, release floored at 0")
    func reserveAndRelease() throws {
        let fixture = try StoreFixture()
        defer { fixture.cleanup() }
        let free = try fixture.organization("Free org", tier: .free)  // 10 MB
        var organization = try fixture.store.reserveStorage(organizationID: free.id, bytes: 9 * 1_048_576 + 524_288)
        #expect(organization.storageUsedBytes == 9_961_472 && organization.storageAvailableBytes == 524_288)
        #expect(throws: AccountsError.quotaExceeded("Storage quota exceeded. Using 9.5 MB of 10 MB. Available: 512 KB. Attempted to add: 1 MB.")) {
            try fixture.store.reserveStorage(organizationID: free.id, bytes: 1_048_576)
        }
        #expect(throws: AccountsError.quotaExceeded("Storage quota exceeded. Using 9.5 MB of 10 MB. Available: 512 KB. Attempted to add: 8388608 TB.")) {
            try fixture.store.reserveStorage(organizationID: free.id, bytes: .max)
        }
        #expect(try fixture.store.organization(id: free.id)?.storageUsedBytes == 9_961_472)
        organization = try fixture.store.reserveStorage(organizationID: free.id, bytes: 524_288)
        #expect(organization.storageUsedBytes == organization.storageQuotaBytes)
        #expect(organization.storageUsedPercentage == 100)
        #expect(try fixture.store.reserveStorage(organizationID: free.id, bytes: 0).storageUsedBytes == 10_485_760)
        organization = try fixture.store.releaseStorage(organizationID: free.id, bytes: 4_000_000)
        #expect(organization.storageUsedBytes == 6_485_760)
        organization = try fixture.store.releaseStorage(organizationID: free.id, bytes: .max)
        #expect(organization.storageUsedBytes == 0)
        #expect(throws: AccountsError.badRequest("A storage reservation must be 0 bytes or more.")) {
            try fixture.store.reserveStorage(organizationID: free.id, bytes: -1)
        }
        #expect(throws: AccountsError.badRequest("A storage release must be 0 bytes or more.")) {
            try fixture.store.releaseStorage(organizationID: free.id, bytes: -1)
        }
        #expect(throws: AccountsError.notFound("Organization not found")) {
            try fixture.store.reserveStorage(organizationID: UUID(), bytes: 1)
        }
    }

    @Test("a charge composes into the caller's transaction and rolls back with it")
    func chargeInTransaction() throws {
        let fixture = try StoreFixture()
        defer { fixture.cleanup() }
        let basic = try fixture.organization("Basic org", tier: .basic)
        struct Abort: Error {}
        #expect(throws: Abort.self) {
            try fixture.store.environment.write { txn in
                _ = try fixture.store.chargeStorage(organizationID: basic.id, bytes: 1000, in: txn)
                throw Abort()
            }
        }
        #expect(try fixture.store.organization(id: basic.id)?.storageUsedBytes == 0)
        try fixture.store.environment.write { txn in
            _ = try fixture.store.chargeStorage(organizationID: basic.id, bytes: 5000, in: txn)
            _ = try fixture.store.chargeStorage(organizationID: basic.id, bytes: -200, in: txn)
        }
        #expect(try fixture.store.organization(id: basic.id)?.storageUsedBytes == 4800)
    }

    @Test("concurrent reservations from many threads never pass the quota, and releases never go below 0")
    func concurrentReservations() throws {
        let fixture = try StoreFixture()
        defer { fixture.cleanup() }
        let free = try fixture.organization("Busy org", tier: .free)
        let size: Int64 = 300_000  // 10,485,760 / 300,000 → 34 fit
        let admitted = Mutex(0), refused = Mutex(0), otherErrors = Mutex(0)
        let store = fixture.store
        DispatchQueue.concurrentPerform(iterations: 100) { _ in
            do {
                let organization = try store.reserveStorage(organizationID: free.id, bytes: size)
                if organization.storageUsedBytes > organization.storageQuotaBytes { otherErrors.withLock { $0 += 1 } }
                admitted.withLock { $0 += 1 }
            } catch AccountsError.quotaExceeded {
                refused.withLock { $0 += 1 }
            } catch {
                otherErrors.withLock { $0 += 1 }
            }
        }
        #expect(admitted.withLock { $0 } == 34)
        #expect(refused.withLock { $0 } == 66)
        #expect(otherErrors.withLock { $0 } == 0)
        #expect(try fixture.store.organization(id: free.id)?.storageUsedBytes == 34 * size)

        DispatchQueue.concurrentPerform(iterations: 100) { _ in
            _ = try? store.releaseStorage(organizationID: free.id, bytes: size)
        }
        #expect(try fixture.store.organization(id: free.id)?.storageUsedBytes == 0)
    }
}
