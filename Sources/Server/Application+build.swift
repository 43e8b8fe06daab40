import CollectionStore
import Foundation
import Hummingbird
import Logging
import Metrics
import NIOCore
import Platform

/// The request context of every route.
public typealias AppRequestContext = BasicRequestContext

/// Builds the whole HTTP application; `campus-search serve` and the tests both call this.
///
/// Opening the data directory happens here, before the server binds, so a bad directory fails
/// start-up with a clear error instead of failing the first request.
public func buildApplication(
    _ configuration: ServerConfiguration,
    logger: Logger? = nil
) async throws -> some ApplicationProtocol {
    CampusMetrics.bootstrap()
    var logger = logger ?? Logger(label: "campus-search")
    logger.logLevel = configuration.logLevel

    var embedding = DataDirectory.EmbeddingOptions(modelDirectory: configuration.modelDirectory)
    embedding.threads = configuration.embeddingThreads
    let dataDirectory = try DataDirectory(
        path: configuration.dataDirectory, embedding: embedding, collectionLimits: configuration.collectionLimits, logger: logger
    )
    let router = buildRouter(dataDirectory: dataDirectory, configuration: configuration)
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
        ],
        logger: logger
    )
}

func buildRouter(dataDirectory: DataDirectory, configuration: ServerConfiguration) -> Router<AppRequestContext> {
    let router = Router(context: AppRequestContext.self)
    router.add(middleware: MetricsMiddleware())
    router.add(middleware: SlowRequestMiddleware(thresholdMilliseconds: configuration.slowRequestMilliseconds))
    let qdrant = QdrantAPI(
        registry: dataDirectory.collections, maxBodyBytes: configuration.maxBodyBytes,
        inference: InferenceResolver(embedders: dataDirectory.embedders, unavailableReason: dataDirectory.embeddingUnavailableReason)
    )
    router.addRoutes(ServiceController().routes)
    router.addRoutes(HealthController(dataDirectory: dataDirectory).routes)
    router.addRoutes(MetricsController(dataDirectory: dataDirectory).routes)
    router.addRoutes(OpenAPIController().routes)
    router.addRoutes(CollectionsController(api: qdrant).routes, atPath: "collections")
    router.addRoutes(PointsController(api: qdrant).routes, atPath: "collections")
    router.addRoutes(QueryController(api: qdrant).routes, atPath: "collections")
    return router
}
