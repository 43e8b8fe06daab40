import Accounts
import CollectionStore
import Jobs
import Foundation
import Hummingbird
import Logging
import Metrics
import NIOCore
import Platform

/// Builds the whole HTTP application; `campus-search serve` and the tests both call this.
///
/// Opening the data directory happens here, before the server binds, so a bad directory fails
/// start-up with a clear error instead of failing the first request.
///
/// `rateLimiter` is the procedures' limiter (the contract's limits by default); tests pass one on a
/// clock they control.
public func buildApplication(
    _ configuration: ServerConfiguration,
    logger: Logger? = nil,
    rateLimiter: RateLimiter = RateLimiter()
) async throws -> some ApplicationProtocol {
    let metricsOn = CampusMetrics.bootstrap(enabled: configuration.metricsEnabled)
    StageTracer.bootstrap()
    var logger = logger ?? Logger(label: "campus-search")
    logger.logLevel = configuration.logLevel

    var embedding = DataDirectory.EmbeddingOptions(modelDirectory: configuration.modelDirectory)
    embedding.threads = configuration.embeddingThreads
    var platform = DataDirectory.PlatformOptions()
    platform.globalConcurrencyLimit = configuration.globalConcurrencyLimit
    let dataDirectory = try DataDirectory(
        path: configuration.dataDirectory, embedding: embedding, collectionLimits: configuration.collectionLimits,
        platform: platform, logger: logger
    )
    var workerOptions = JobWorkers.Configuration()
    workerOptions.concurrency = [JobOptions.fastQueue: configuration.fastWorkers, JobOptions.documentsQueue: configuration.documentWorkers]
    let workers = try JobWorkers(
        queue: dataDirectory.jobs, handlers: [TestJobHandler(), InitializeJobHandler(), dataDirectory.documentProcessor], configuration: workerOptions, logger: logger
    )
    let tokens: TokenAuthority
    do {
        tokens = try await TokenAuthority.load(configuration.tokens, dataDirectory: dataDirectory.dataDirectory, logger: logger)
    } catch let error as TokenAuthority.SetupError {
        throw DataDirectory.OpenError(description: error.description)
    }
    let router = buildRouter(
        dataDirectory: dataDirectory, tokens: tokens, rateLimiter: rateLimiter, configuration: configuration, metrics: metricsOn
    )
    let idle = configuration.idleTimeout.components
    return Application(
        router: router,
        server: .http1(configuration: .init(idleTimeout: .nanoseconds(idle.seconds * 1_000_000_000 + idle.attoseconds / 1_000_000_000))),
        configuration: .init(
            address: .hostname(configuration.host, port: configuration.port),
            serverName: "campus-search"
        ),
        services: [
            CheckpointService(
                registry: dataDirectory.collections, interval: configuration.checkpointInterval,
                volumeVectors: configuration.checkpointVectors, logger: logger
            ),
            workers,
        ],
        logger: logger
    )
}

func buildRouter(
    dataDirectory: DataDirectory, tokens: TokenAuthority, rateLimiter: RateLimiter, configuration: ServerConfiguration,
    metrics: Bool = true
) -> Router<AppRequestContext> {
    let router = Router(context: AppRequestContext.self)
    let live = LiveStats()
    router.add(middleware: RequestIDMiddleware())
    router.add(middleware: RequestObservationMiddleware(
        slowThresholdMilliseconds: configuration.slowRequestMilliseconds, live: live, recordsMetrics: metrics
    ))
    let qdrant = QdrantAPI(
        registry: dataDirectory.collections, maxBodyBytes: configuration.maxBodyBytes,
        inference: InferenceResolver(embedders: dataDirectory.embedders, unavailableReason: dataDirectory.embeddingUnavailableReason)
    )
    router.addRoutes(ServiceController().routes)
    router.addRoutes(HealthController(dataDirectory: dataDirectory).routes)
    if metrics { router.addRoutes(MetricsController(dataDirectory: dataDirectory).routes) }
    router.addRoutes(OpenAPIController().routes)
    router.addRoutes(CollectionsController(api: qdrant).routes, atPath: "collections")
    router.addRoutes(CollectionsController(api: qdrant).rootRoutes)
    router.addRoutes(PointsController(api: qdrant).routes, atPath: "collections")
    router.addRoutes(QueryController(api: qdrant).routes, atPath: "collections")

    let services = PlatformServices(
        accounts: dataDirectory.accounts, collections: dataDirectory.collections, workflow: dataDirectory.workflow, files: dataDirectory.files,
        uploads: dataDirectory.uploads, documents: dataDirectory.documents, search: dataDirectory.courseSearch,
        blobs: dataDirectory.blobs, maxUploadBytes: configuration.maxUploadBytes
    )
    let trpc = TRPCController<AppRequestContext>(
        procedures: PlatformProcedures.all(services), rateLimiter: rateLimiter, maxBodyBytes: configuration.maxBodyBytes,
        observer: TRPCCallObserver(live: live)
    )
    router.group("trpc")
        .add(middleware: CORSPolicy(origins: configuration.corsOrigins))
        .add(middleware: AuthenticationMiddleware(tokens: tokens, accounts: dataDirectory.accounts, trustForwardedFor: configuration.trustForwardedFor))
        .addRoutes(trpc.routes)
    if configuration.dashboardEnabled {
        router.group("dashboard")
            .add(middleware: AuthenticationMiddleware(tokens: tokens, accounts: dataDirectory.accounts, trustForwardedFor: false))
            .addRoutes(DashboardController(dataDirectory: dataDirectory, live: live).routes)
    }
    return router
}
