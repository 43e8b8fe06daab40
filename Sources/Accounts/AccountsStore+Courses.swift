import Foundation
import JSON
import Storage

/// One page of `courses.list`: newest first, and the cursor of the next page (nil on the last).
public struct CoursePage: Sendable {
    public var courses: [Course]
    public var nextCursor: ListCursor?
}

extension AccountsStore {
    /// What a course of another organisation answers, exactly as a missing one.
    public static let courseNotFound = AccountsError.notFound("Course not found")

    // MARK: Create

    /// Creates a course in `organizationID` owned by `ownerID` (`courses.create`). Only the title is needed; a
    /// missing slug is derived from the title and made unique in the organisation (`intro`, `intro-2`, …), a
    /// given one must be free (`conflict`). Limits (`badRequest`): title 1…255 characters after trimming;
    /// slug `Slug.pattern`; language ≤ 64 and description ≤ 10,000 characters; webhook an http(s) URL of ≤ 2,048
    /// bytes; settings an object and, like `generationProgress`, nested at most 100 levels. The owner must be a
    /// user of the organisation.
    public func createCourse(_ new: NewCourse, ownerID: UUID, organizationID: UUID) throws -> Course {
        try environment.write { txn in try createCourse(new, ownerID: ownerID, organizationID: organizationID, in: txn) }
    }

    package func createCourse(_ new: NewCourse, id: UUID = UUID(), ownerID: UUID, organizationID: UUID,
                              in txn: WriteTransaction) throws -> Course {
        let createdAt = timestamp()
        guard try organization(id: organizationID, in: txn) != nil else { throw Self.organizationNotFound }
        try checkOwner(ownerID, of: organizationID, in: txn)
        var course = Course(id: id, organizationID: organizationID, ownerID: ownerID, title: new.title,
                            slug: new.slug ?? Slug.course(title: new.title), status: new.status, createdAt: createdAt)
        course.language = new.language
        course.description = new.description
        course.webhookURL = new.webhookURL
        course.settings = new.settings
        try Self.validate(&course)
        if new.slug == nil {
            course.slug = try freeSlug(course.slug, in: organizationID, txn: txn)
        } else {
            try checkSlugIsFree(course.slug, in: organizationID, txn: txn)
        }
        try put(course, courses, id, in: txn)
        try courseSlugs.put(Keys.id(id), for: Self.slugKey(course.slug, organizationID), in: txn)
        try index(course, in: txn)
        try bump(Counter.courses, by: 1, in: txn)
        try bump(Counter.courses(in: organizationID), by: 1, in: txn)
        return course
    }

    // MARK: Read

    /// The course with `id` if `scope` may see it; `courseNotFound` otherwise (also for another
    /// organisation's course).
    public func course(id: UUID, in scope: TenantScope) throws -> Course {
        try environment.read { txn in try course(id: id, in: scope, txn: txn) }
    }

    package func course(id: UUID, in scope: TenantScope, txn: ReadTransaction) throws -> Course {
        guard let course = try record(courses, courseCache, id, in: txn), scope.contains(course.organizationID) else {
            throw Self.courseNotFound
        }
        return course
    }

    /// The course with `slug` in an organisation, or nil.
    public func course(slug: String, organizationID: UUID) throws -> Course? {
        guard Slug.isValid(slug) else { return nil }  // no course has it, and it may be too long for a key
        return try environment.read { txn in
            guard let id = try courseSlugs.get(Self.slugKey(slug, organizationID), in: txn).flatMap(Self.uuid) else { return nil }
            return try course(id: id, in: .organization(organizationID), txn: txn)
        }
    }

    /// `courses.list`: newest first within `scope`, optionally of one status, `limit` (1…100) per page, after
    /// `cursor` (the previous page's `nextCursor`).
    public func listCourses(in scope: TenantScope, status: CourseStatus? = nil, limit: Int = 20, after cursor: ListCursor? = nil) throws -> CoursePage {
        guard (1...100).contains(limit) else { throw AccountsError.badRequest("limit must be between 1 and 100 (got \(limit)).") }
        return try environment.read { txn in
            var found: [Course] = []
            var more = false
            try courseWalk(scope, status).forEach(after: cursor, in: txn) { id in
                guard found.count < limit else {
                    more = true
                    return false
                }
                found.append(try course(id: id, in: scope, txn: txn))
                return true
            }
            let next = more ? found.last.map { ListCursor(position: Keys.position($0.createdAt, $0.id)) } : nil
            return CoursePage(courses: found, nextCursor: next)
        }
    }

    /// `admin.listCourses`: newest first within `scope`, optionally of one status, by offset, with the total.
    public func listCourses(in scope: TenantScope, status: CourseStatus? = nil, page: PageRequest) throws -> Page<Course> {
        try environment.read { txn in
            let total: Int
            switch (scope, status) {
            case (.organization(let organization), let status?): total = try count(Counter.courses(in: organization, status), in: txn)
            case (.organization(let organization), nil): total = try count(Counter.courses(in: organization), in: txn)
            case (.everyOrganization, let status?): total = try count(Counter.courses(status), in: txn)
            case (.everyOrganization, nil): total = try count(Counter.courses, in: txn)
            }
            return try courseWalk(scope, status).page(page, knownTotal: total, in: txn, load: { try course(id: $0, in: scope, txn: txn) })
        }
    }

    private func courseWalk(_ scope: TenantScope, _ status: CourseStatus?) -> IndexWalk {
        switch (scope, status) {
        case (.organization(let organization), let status?):
            IndexWalk(index: coursesByOrganizationStatus, prefix: Keys.id(organization) + [status.indexByte])
        case (.organization(let organization), nil):
            IndexWalk(index: coursesByOrganization, prefix: Keys.id(organization))
        case (.everyOrganization, let status?):
            IndexWalk(index: coursesByStatus, prefix: [status.indexByte])
        case (.everyOrganization, nil):
            IndexWalk(index: coursesByCreated, prefix: [])
        }
    }

    // MARK: Update and delete

    /// Changes a course (`courses.update`, and the generation fields for `generation.*`): `change` edits a copy,
    /// then the result is checked as `createCourse` checks a new one, a new slug must be free, a new owner a user
    /// of the organisation, and a new `generationStatus` an allowed transition (`conflict` with the platform's
    /// message otherwise). `courseNotFound` outside `scope`, with nothing written. `change` may run more than
    /// once (see the type's invariants), so it must only edit the course.
    public func updateCourse(id: UUID, in scope: TenantScope, _ change: (inout Course) throws -> Void) throws -> Course {
        try environment.write { txn in try updateCourse(id: id, in: scope, txn: txn, change) }
    }

    package func updateCourse(id: UUID, in scope: TenantScope, txn: WriteTransaction,
                              _ change: (inout Course) throws -> Void) throws -> Course {
        let old = try course(id: id, in: scope, txn: txn)
        var course = old
        try change(&course)
        try Self.validate(&course)
        try GenerationStatus.validateTransition(from: old.generationStatus, to: course.generationStatus, courseID: id)
        if course.ownerID != old.ownerID {
            try checkOwner(course.ownerID, of: course.organizationID, in: txn)
        }
        if course.slug != old.slug {
            try checkSlugIsFree(course.slug, in: course.organizationID, txn: txn)
            try courseSlugs.delete(Self.slugKey(old.slug, old.organizationID), in: txn)
            try courseSlugs.put(Keys.id(id), for: Self.slugKey(course.slug, course.organizationID), in: txn)
        }
        if course.status != old.status {
            try unindex(old, in: txn)
            try index(course, in: txn)
        }
        course.updatedAt = max(timestamp(), course.createdAt)
        try put(course, courses, id, in: txn)
        return course
    }

    /// Deletes a course (`courses.delete`) and returns what it was; `courseNotFound` outside `scope`.
    public func deleteCourse(id: UUID, in scope: TenantScope) throws -> Course {
        try environment.write { txn in try deleteCourse(id: id, in: scope, txn: txn) }
    }

    package func deleteCourse(id: UUID, in scope: TenantScope, txn: WriteTransaction) throws -> Course {
        let course = try course(id: id, in: scope, txn: txn)
        try courses.delete(Keys.id(id), in: txn)
        try courseSlugs.delete(Self.slugKey(course.slug, course.organizationID), in: txn)
        try unindex(course, in: txn)
        try bump(Counter.courses, by: -1, in: txn)
        try bump(Counter.courses(in: course.organizationID), by: -1, in: txn)
        return course
    }

    // MARK: Indexes and rules

    /// Adds the four list entries and the status counters of `course`.
    private func index(_ course: Course, in txn: WriteTransaction) throws {
        let position = Keys.position(course.createdAt, course.id), organization = Keys.id(course.organizationID)
        try coursesByCreated.put([], for: position, in: txn)
        try coursesByStatus.put([], for: [course.status.indexByte] + position, in: txn)
        try coursesByOrganization.put([], for: organization + position, in: txn)
        try coursesByOrganizationStatus.put([], for: organization + [course.status.indexByte] + position, in: txn)
        try bump(Counter.courses(course.status), by: 1, in: txn)
        try bump(Counter.courses(in: course.organizationID, course.status), by: 1, in: txn)
    }

    private func unindex(_ course: Course, in txn: WriteTransaction) throws {
        let position = Keys.position(course.createdAt, course.id), organization = Keys.id(course.organizationID)
        try coursesByCreated.delete(position, in: txn)
        try coursesByStatus.delete([course.status.indexByte] + position, in: txn)
        try coursesByOrganization.delete(organization + position, in: txn)
        try coursesByOrganizationStatus.delete(organization + [course.status.indexByte] + position, in: txn)
        try bump(Counter.courses(course.status), by: -1, in: txn)
        try bump(Counter.courses(in: course.organizationID, course.status), by: -1, in: txn)
    }

    private static func slugKey(_ slug: String, _ organizationID: UUID) -> [UInt8] {
        Keys.id(organizationID) + Array(slug.utf8)
    }

    private func checkSlugIsFree(_ slug: String, in organizationID: UUID, txn: ReadTransaction) throws {
        guard try courseSlugs.get(Self.slugKey(slug, organizationID), in: txn) == nil else {
            throw AccountsError.conflict("A course with the slug \"\(slug)\" already exists in this organization.")
        }
    }

    /// A free slug for a new course: `base`, else `base-N`. Suffixes are handed out in order, so the taken ones are
    /// 2, 3, …, m (give or take deleted courses): doubling finds a free N in O(log m) lookups, and a binary search
    /// between the last taken and that free one ends on a free suffix next to a taken one — m + 1 when no course in
    /// between was deleted, the smallest free one. (Probing 2, 3, 4, … one by one made every create of a common
    /// title cost a lookup per earlier course with it.)
    private func freeSlug(_ base: String, in organizationID: UUID, txn: ReadTransaction) throws -> String {
        func slug(_ suffix: Int) -> String { suffix == 1 ? base : "\(base)-\(suffix)" }
        func taken(_ suffix: Int) throws -> Bool { try courseSlugs.get(Self.slugKey(slug(suffix), organizationID), in: txn) != nil }
        guard try taken(1) else { return base }
        // Invariant of both loops: `low` is taken, `high` is free.
        var low = 1, high = 2
        while try taken(high) {
            low = high
            high *= 2
        }
        while high - low > 1 {
            let middle = low + (high - low) / 2
            if try taken(middle) { low = middle } else { high = middle }
        }
        return slug(high)
    }

    private func checkOwner(_ ownerID: UUID, of organizationID: UUID, in txn: ReadTransaction) throws {
        guard let owner = try user(id: ownerID, in: txn), owner.organizationID == organizationID else {
            throw AccountsError.badRequest("The course owner must be a user of the course's organization.")
        }
    }

    /// Trims the title and checks every field's limit (see `createCourse`).
    static func validate(_ course: inout Course) throws(AccountsError) {
        course.title = course.title.trimmingCharacters(in: .whitespacesAndNewlines)
        guard (1...255).contains(course.title.count) else { throw .badRequest("Course title must be between 1 and 255 characters.") }
        guard Slug.isValid(course.slug) else {
            throw .badRequest("Course slug must be 1 to \(Slug.maxLength) lower-case letters, digits and single hyphens (like intro-to-swift).")
        }
        if let language = course.language, language.count > 64 { throw .badRequest("Course language must be at most 64 characters.") }
        if let description = course.description, description.count > 10_000 {
            throw .badRequest("Course description must be at most 10000 characters.")
        }
        if let webhook = course.webhookURL {
            guard webhook.utf8.count <= 2048, let url = URL(string: webhook), let scheme = url.scheme?.lowercased(),
                  scheme == "http" || scheme == "https", url.host?.isEmpty == false else {
                throw .badRequest("webhookUrl must be an http or https URL.")
            }
        }
        if let code = course.generationCode, code.count > 32 { throw .badRequest("Generation code must be at most 32 characters.") }
        guard course.settings.objectValue != nil else { throw .badRequest("Course settings must be a JSON object.") }
        for (name, document) in [("settings", course.settings), ("generationProgress", course.generationProgress ?? .null)]
        where document.nestingDepth(limit: RecordFields.maxDepth) > RecordFields.maxDepth {
            throw .badRequest("Course \(name) nest more than \(RecordFields.maxDepth) levels deep.")
        }
    }
}
