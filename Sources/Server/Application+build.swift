import Foundation
import Hummingbird
import Logging
import Metrics
import CollectionStore
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
    let node = try DataDirectory(path: configuration.dataDirectory, embedding: embedding, logger: logger)
    let router = buildRouter(node: node, configuration: configuration)
    return Application(
        router: router,
        configuration: .init(
            address: .hostname(configuration.host, port: configuration.port),
            serverName: "campus-search"
        ),
        services: [CheckpointService(registry: node.collections, interval: configuration.checkpointInterval, logger: logger)],
        logger: logger
    )
}

func buildRouter(node: DataDirectory, configuration: ServerConfiguration) -> Router<AppRequestContext> {
    let router = Router(context: AppRequestContext.self)
    router.add(middleware: MetricsMiddleware())
    router.add(middleware: SlowRequestMiddleware(thresholdMilliseconds: configuration.slowRequestMilliseconds))
    HealthRoutes(node: node).register(on: router)
    QdrantRoutes(
        registry: node.collections, maxBodyBytes: configuration.maxBodyBytes,
        inference: InferenceResolver(embedders: node.embedders, unavailableReason: node.embeddingUnavailableReason)
    ).register(on: router)
    router.get("metrics") { _, _ -> Response in
        let storage = StorageGauges.shared
        storage.update(from: node)
        return Response(
            status: .ok,
            headers: [.contentType: "text/plain; version=0.0.4; charset=utf-8"],
            body: .init(byteBuffer: ByteBuffer(bytes: CampusMetrics.exposition()))
        )
    }
    return router
}
