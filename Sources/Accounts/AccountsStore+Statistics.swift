import Foundation
import Storage

/// `admin.getStatistics`: totals by tier, by course status and by role, read from counters (no scan).
public struct AccountsStatistics: Sendable, Equatable {
    public var organizations: Int
    public var organizationsByTier: [Tier: Int]
    public var courses: Int
    public var coursesByStatus: [CourseStatus: Int]
    public var users: Int
    public var usersByRole: [Role: Int]
}

extension AccountsStore {
    /// Every total of `admin.getStatistics` from one snapshot; each `by…` map has every case (0 when none).
    public func statistics() throws -> AccountsStatistics {
        try environment.read { txn in
            var statistics = AccountsStatistics(
                organizations: try count(Counter.organizations, in: txn), organizationsByTier: [:],
                courses: try count(Counter.courses, in: txn), coursesByStatus: [:],
                users: try count(Counter.users, in: txn), usersByRole: [:])
            for tier in Tier.allCases { statistics.organizationsByTier[tier] = try count(Counter.organizations(tier), in: txn) }
            for status in CourseStatus.allCases { statistics.coursesByStatus[status] = try count(Counter.courses(status), in: txn) }
            for role in Role.allCases { statistics.usersByRole[role] = try count(Counter.users(role), in: txn) }
            return statistics
        }
    }
}
