import Foundation
import Storage

/// Who may change a course (the platform's `courses_all` RLS policy for writes): a superadmin, an admin of its
/// organisation, or the instructor who owns it. Students change no course. A course outside the actor's scope
/// answers `courseNotFound`, exactly as a missing one; a course in scope that the actor may not change answers
/// `forbidden("You do not have access to this course")`.
extension Principal {
    public func mayModify(_ course: Course) -> Bool {
        guard scope.contains(course.organizationID) else { return false }
        switch role {
        case .superadmin, .admin: return true
        case .instructor: return course.ownerID == userID
        case .student: return false
        }
    }
}

extension AccountsStore {
    public static let courseAccessDenied = AccountsError.forbidden("You do not have access to this course")

    /// `courses.update` by `actor`: the change runs only when `actor.mayModify` the course.
    public func updateCourse(id: UUID, by actor: Principal, _ change: (inout Course) throws -> Void) throws -> Course {
        try environment.write { txn in try updateCourse(id: id, by: actor, txn: txn, change) }
    }

    /// `updateCourse(id:by:_:)` in the caller's transaction (a group commit); `change` may run more than once.
    package func updateCourse(id: UUID, by actor: Principal, txn: WriteTransaction, _ change: (inout Course) throws -> Void) throws -> Course {
        let current = try course(id: id, in: actor.scope, txn: txn)
        guard actor.mayModify(current) else { throw Self.courseAccessDenied }
        return try updateCourse(id: id, in: actor.scope, txn: txn, change)
    }

    /// `courses.delete` by `actor`, with the same rule.
    public func deleteCourse(id: UUID, by actor: Principal) throws -> Course {
        try environment.write { txn in
            let current = try course(id: id, in: actor.scope, txn: txn)
            guard actor.mayModify(current) else { throw Self.courseAccessDenied }
            return try deleteCourse(id: id, in: actor.scope, txn: txn)
        }
    }
}
