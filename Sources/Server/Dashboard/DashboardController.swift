import Accounts
import Documents
import Foundation
import HTTPTypes
import Hummingbird
import Jobs
import JSON
import Platform

/// `GET /dashboard` (one self-contained page) and its JSON under `/dashboard/api/`.
///
/// - `GET /dashboard/api/overview?window=<s>`: uptime, process, storage (with the group committer's commits and
///   the writes they held since start), all requests together (rate, p50/p95/p99, per-10-second counts and p95)
///   over the last `window` seconds (10…300, default 300).
/// - `GET /dashboard/api/routes?window=<s>`: the same per route (method and matched pattern) and per tRPC
///   procedure, from the server's rolling HDR histograms (`LiveStats`).
/// - `GET /dashboard/api/jobs`: jobs per queue and state, the latest failed jobs with their errors.
/// - `GET /dashboard/api/collections`: points and indexed vectors per collection, and those that cannot open.
/// - `GET /dashboard/api/caches`: hits, misses, evictions, entries, bytes and hit rate per cache namespace.
/// - `POST /dashboard/api/jobs/:id/retry`, `POST /dashboard/api/jobs/:id/cancel`: admin actions.
///
/// Answers use Qdrant's envelope (`{"result","status":"ok","time"}`, errors `{"status":{"error"},"time"}`).
/// Read-only routes are open to a loopback client that came without forwarding headers; any other client, and
/// every action, needs a superadmin's Bearer token (the dashboard shows every organisation): 401 without one,
/// 403 for a token of anyone else. The page itself holds no data and is served to anyone; it asks for a token
/// when the API answers 401.
struct DashboardController: Sendable {
    typealias Context = AppRequestContext
    let dataDirectory: DataDirectory
    let live: LiveStats

    var routes: RouteCollection<Context> {
        let routes = RouteCollection(context: Context.self)
        routes.get("", use: page)
        routes.get("api/overview") { request, context in await read(request, context) { try overview(request) } }
        routes.get("api/routes") { request, context in await read(request, context) { try routeFigures(request) } }
        routes.get("api/jobs") { request, context in await read(request, context) { try jobs() } }
        routes.get("api/collections") { request, context in await read(request, context) { collections() } }
        routes.get("api/caches") { request, context in await read(request, context) { caches() } }
        routes.post("api/jobs/:id/retry") { request, context in
            await respond(request, context, .action) { principal in try await retry(try jobID(context), by: principal) }
        }
        routes.post("api/jobs/:id/cancel") { request, context in
            await respond(request, context, .action) { principal in try await cancel(try jobID(context), by: principal) }
        }
        return routes
    }

    enum Access { case read, action }

    // MARK: Access and envelope

    /// The caller allowed for `access`: a superadmin's principal, or nil for an anonymous loopback reader.
    static func authorize(_ context: Context, headers: HTTPFields, _ access: Access) throws -> Principal? {
        if let principal = context.principal {
            guard principal.role == .superadmin else {
                throw QdrantError(status: 403, message: "Forbidden: the dashboard needs a superadmin's token")
            }
            return principal
        }
        let forwarded = ["X-Forwarded-For", "X-Real-IP", "Forwarded", "CF-Connecting-IP"].contains { name in
            HTTPField.Name(name).map { headers[$0] != nil } ?? false
        }
        if access == .read, context.isLoopback, !forwarded { return nil }
        throw QdrantError(
            status: 401,
            message: access == .action
                ? "Unauthorized: dashboard actions need a superadmin's Bearer token"
                : "Unauthorized: the dashboard is open to loopback clients only; send a superadmin's Bearer token"
        )
    }

    private func respond(_ request: Request, _ context: Context, _ access: Access, _ body: (Principal?) async throws -> WireValue) async -> Response {
        let start = ContinuousClock.now
        func seconds() -> Double {
            let elapsed = ContinuousClock.now - start
            return Double(elapsed.components.seconds) + Double(elapsed.components.attoseconds) / 1e18
        }
        do {
            let principal = try Self.authorize(context, headers: request.headers, access)
            let result = try await body(principal)
            var response = QdrantAPI.json(.object([("result", result), ("status", .string("ok")), ("time", .double(seconds()))]))
            response.headers[.cacheControl] = "no-store"
            return response
        } catch {
            let qdrant = QdrantAPI.qdrantError(Self.mapped(error))
            var response = QdrantAPI.json(
                .object([("status", .object([("error", .string(qdrant.message))])), ("time", .double(seconds()))]),
                status: HTTPResponse.Status(code: qdrant.status)
            )
            if qdrant.status == 401 { response.headers[.wwwAuthenticate] = "Bearer" }
            return response
        }
    }

    private func read(_ request: Request, _ context: Context, _ body: () async throws -> WireValue) async -> Response {
        await respond(request, context, .read) { (_: Principal?) in try await body() }
    }

    static func mapped(_ error: any Error) -> any Error {
        switch error {
        case let error as JobError:
            switch error {
            case .notFound: return QdrantError.notFound("\(error)")
            default: return QdrantError.badRequest("\(error)")
            }
        case let error as WorkflowError: return QdrantError.badRequest("\(error)")
        case let error as AccountsError: return QdrantError.badRequest("\(error)")
        default: return error
        }
    }

    // MARK: Page

    @Sendable func page(_ request: Request, context: Context) async -> Response {
        Response(
            status: .ok,
            headers: [.contentType: "text/html; charset=utf-8", .cacheControl: "no-store",
                      HTTPField.Name("Content-Security-Policy")!: "default-src 'self'; style-src 'self' 'unsafe-inline'; script-src 'self' 'unsafe-inline'; img-src 'self' data:"],
            body: .init(byteBuffer: ByteBuffer(string: DashboardPage.html))
        )
    }

    // MARK: Read-only panels

    func window(_ request: Request) throws -> Int64 {
        guard let text = request.uri.queryParameters.get("window") else { return LiveStats.windowSeconds }
        guard let seconds = Int64(text), (LiveStats.slotSeconds...LiveStats.windowSeconds).contains(seconds) else {
            throw QdrantError.badRequest("window must be a number of seconds \(LiveStats.slotSeconds)…\(LiveStats.windowSeconds), got \(text.debugDescription)")
        }
        return seconds
    }

    func overview(_ request: Request) throws -> WireValue {
        let seconds = try window(request)
        let all = live.overall(seconds: seconds)
        var fields: [(String, WireValue)] = [
            ("uptime_seconds", .double(live.now - live.startedAt)),
            ("window_seconds", .int(Int(LiveStats.clampWindow(seconds)))),
            ("slot_seconds", .int(Int(LiveStats.slotSeconds))),
            ("requests", Self.wire(all)),
        ]
        if let sample = ProcessMetrics.sample() {
            fields.append(("process", .object([
                ("resident_memory_bytes", .double(sample.residentBytes)), ("cpu_seconds", .double(sample.cpuSeconds)),
                ("open_fds", .double(sample.openFDs)), ("threads", .double(sample.threads)),
                ("start_time_seconds", .double(sample.startTimeSeconds)),
            ])))
        } else {
            fields.append(("process", .null))
        }
        if let report = try? dataDirectory.storageReport() {
            let commits = dataDirectory.committer.statistics
            fields.append(("storage", .object([
                ("map_size_bytes", .int(report.mapSizeBytes)), ("used_bytes", .int(report.usedBytes)), ("readers", .int(report.readers)),
                ("tables", .int(report.tables.count)),
                ("group_commits", .int(commits.commits)), ("group_commit_writes", .int(commits.writes)),
            ])))
        } else {
            fields.append(("storage", .null))
        }
        return .object(fields)
    }

    func routeFigures(_ request: Request) throws -> WireValue {
        let seconds = try window(request)
        let summaries = live.summaries(seconds: seconds)
        return .object([
            ("window_seconds", .int(Int(LiveStats.clampWindow(seconds)))),
            ("routes", .array(summaries.filter { $0.kind == .route }.map(Self.wire))),
            ("procedures", .array(summaries.filter { $0.kind == .procedure }.map(Self.wire))),
        ])
    }

    static func wire(_ summary: LiveStats.Summary) -> WireValue {
        .object([
            ("name", .string(summary.name)), ("count", .int(summary.count)), ("failures", .int(summary.failures)),
            ("rate_per_second", .double(summary.ratePerSecond)), ("p50_ms", .double(summary.p50Milliseconds)),
            ("p95_ms", .double(summary.p95Milliseconds)), ("p99_ms", .double(summary.p99Milliseconds)),
            ("max_ms", .double(summary.maxMilliseconds)), ("counts", .array(summary.counts.map { .int($0) })),
            ("p95_series_ms", .array(summary.p95Series.map { .double($0) })),
        ])
    }

    func jobs() throws -> WireValue {
        let counts = try dataDirectory.jobs.counts()
        let queues: [(String, WireValue)] = counts.keys.sorted().map { queue in
            let states = counts[queue] ?? [:]
            return (queue, .object(JobState.allCases.map { ($0.rawValue, .int(states[$0] ?? 0)) }))
        }
        // The latest failed jobs: the newest few of each organisation (the queue lists per organisation).
        var failed: [JobRecord] = []
        let organizations = try dataDirectory.accounts.listOrganizations(in: .everyOrganization, page: try PageRequest(limit: 100))
        for organization in organizations.items {
            let page = try dataDirectory.jobs.list(organizationID: organization.id.lowercasedString, states: [.failed], limit: 10)
            failed += page.jobs
        }
        failed.sort { ($0.failedAt ?? $0.updatedAt) > ($1.failedAt ?? $1.updatedAt) }
        return .object([
            ("queues", .object(queues)),
            ("failed", .array(failed.prefix(20).map { job in
                .object([
                    ("id", .string(job.id)), ("queue", .string(job.queue)), ("type", .string(job.type)),
                    ("organization_id", .string(job.organizationID)), ("attempts", .int(job.attemptsMade)),
                    ("error", job.errorMessage.map { .string($0) } ?? .null),
                    ("failed_at_ms", .int(Int(job.failedAt ?? job.updatedAt))),
                ])
            })),
        ])
    }

    func collections() -> WireValue {
        let registry = dataDirectory.collections
        let open: [WireValue] = registry.names().sorted().compactMap { name in
            guard let collection = try? registry.collection(named: name) else { return nil }
            return .object([
                ("name", .string(name)), ("points", .int(collection.pointsCount)),
                ("indexed_vectors", .int(collection.indexedVectorsCount)), ("indexing_backlog", .int(collection.indexingBacklog.writes)),
                ("memory_bytes", .int(collection.denseMemoryBytes + collection.sparsePostingBytes)), ("status", .string("green")),
            ])
        }
        let unavailable: [WireValue] = registry.unavailable.map {
            .object([("name", .string($0.name)), ("status", .string("red")), ("reason", .string($0.reason))])
        }
        return .object([("collections", .array(open + unavailable))])
    }

    /// Cache figures read from the caches themselves (rendering `/metrics` to read five numbers cost
    /// milliseconds with many collections).
    func caches() -> WireValue {
        struct Figures { var name: String; var hits, misses, evictions, entries, bytes: Int }
        var rows: [Figures] = []
        if let embedding = dataDirectory.embeddingCache?.statistics {
            rows.append(Figures(name: "embedding", hits: embedding.memoryHits + embedding.diskHits, misses: embedding.misses,
                                evictions: 0, entries: embedding.memoryEntries, bytes: embedding.memoryBytes))
        }
        let search = dataDirectory.courseSearch.cacheStatistics
        rows.append(Figures(name: "search", hits: search.hits, misses: search.misses, evictions: search.evictions,
                            entries: search.entries, bytes: search.bytes))
        return .object([("caches", .array(rows.map { row in
            let lookups = row.hits + row.misses
            return .object([
                ("name", .string(row.name)), ("hits", .double(Double(row.hits))), ("misses", .double(Double(row.misses))),
                ("evictions", .double(Double(row.evictions))), ("entries", .double(Double(row.entries))),
                ("bytes", .double(Double(row.bytes))), ("hit_rate", lookups > 0 ? .double(Double(row.hits) / Double(lookups)) : .null),
            ])
        }))])
    }

    // MARK: Actions

    func jobID(_ context: Context) throws -> String {
        let id = try QdrantAPI.pathParameter("id", context)
        guard !id.isEmpty, id.utf8.count <= 256 else { throw QdrantError.badRequest("a job id is 1…256 characters") }
        return id
    }

    func cancel(_ id: String, by principal: Principal?) async throws -> WireValue {
        let by = principal.map { $0.userID.lowercasedString }
        let outcome = try await dataDirectory.jobs.cancel(id, by: by)
        let (result, job): (String, JobRecord)
        switch outcome {
        case .cancelled(let record): (result, job) = ("cancelled", record)
        case .cancelRequested(let record): (result, job) = ("cancel_requested", record)
        case .alreadyCancelled(let record): (result, job) = ("already_cancelled", record)
        case .alreadyFinished(let record):
            throw QdrantError.badRequest("job \(id) is already \(record.state.rawValue)")
        }
        return .object([("outcome", .string(result)), ("id", .string(job.id)), ("state", .string(job.state.rawValue))])
    }

    /// A failed or cancelled job runs again: a document's processing through the documents room (the file goes
    /// back to `pending`), any other job as a new job with the same type, payload, owner and options.
    func retry(_ id: String, by principal: Principal?) async throws -> WireValue {
        guard let principal else { throw QdrantError(status: 401, message: "Unauthorized: dashboard actions need a superadmin's Bearer token") }
        guard let job = try dataDirectory.jobs.get(id) else { throw QdrantError.notFound("job \(id)") }
        guard job.state == .failed || job.state == .cancelled else {
            throw QdrantError.badRequest("job \(id) is \(job.state.rawValue); only failed or cancelled jobs can be retried")
        }
        let retried: JobRecord
        if job.type == "document_processing",
           let courseID = job.payload["courseId"]?.stringValue.flatMap(UUID.init(uuidString:)),
           let fileID = job.payload["fileId"]?.stringValue.flatMap(UUID.init(uuidString:)) {
            retried = try await dataDirectory.documents.retry(courseID: courseID, fileID: fileID, by: principal)
        } else {
            let options = JobOptions(queue: job.queue, priority: job.priority, attempts: job.maxAttempts, backoff: job.backoff)
            retried = try await dataDirectory.jobs.enqueue(JobSpec(
                type: job.type, payload: job.payload, organizationID: job.organizationID, userID: job.userID, courseID: job.courseID,
                options: options
            ))
        }
        return .object([("retried", .string(job.id)), ("id", .string(retried.id)), ("state", .string(retried.state.rawValue))])
    }
}

