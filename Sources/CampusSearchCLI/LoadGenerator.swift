import Dispatch
import Foundation
import Histogram
import NIOCore
import NIOHTTP1
import NIOPosix

/// A closed-loop HTTP/1.1 load generator for mixed traffic over time, as k6 runs it: virtual users (each a
/// keep-alive connection) send their next request as soon as the previous answer ends; the number of users
/// follows `stages` (linear ramps between targets); each request is drawn from a weighted mix.
///
/// Like `ClosedLoopLoad`, everything after the bootstrap runs on one event loop thread (the client must cost
/// little beside the server it measures on the same cores), so `LoadRun`'s state needs no lock. Unlike it,
/// answers other than 2xx are counted as errors, not fatal, and latencies are kept per request kind.
enum LoadGenerator {
    /// One kind of request of the mix.
    struct Request: Sendable {
        var name: String
        var method: HTTPMethod
        var uri: String
        var headers: [(String, String)]
        var body: ByteBuffer?
        var weight: Int
    }

    /// `target` users reached linearly over `seconds` (k6's `stages`).
    struct Stage: Sendable, Equatable {
        var seconds: Double
        var target: Int
    }

    struct Outcome {
        var seconds: Double
        var overall: Histogram<UInt64>
        var byName: [String: Histogram<UInt64>]
        var errorsByName: [String: Int]
        var statusCounts: [UInt: Int]
        var firstError: String?
    }

    static func run(host: String, port: Int, requests: [Request], stages: [Stage]) async throws -> Outcome {
        let group = MultiThreadedEventLoopGroup(numberOfThreads: 1)
        do {
            let outcome = try await run(on: group.next(), host: host, port: port, requests: requests, stages: stages)
            try await group.shutdownGracefully()
            return outcome
        } catch {
            try? await group.shutdownGracefully()
            throw error
        }
    }

    private static func run(on loop: any EventLoop, host: String, port: Int, requests: [Request], stages: [Stage]) async throws -> Outcome {
        let run = LoadRun(loop: loop, requests: requests, stages: stages)
        let bootstrap = ClientBootstrap(group: loop)
            .channelOption(.socketOption(.tcp_nodelay), value: 1)
            .channelInitializer { channel in
                channel.eventLoop.makeCompletedFuture {
                    try channel.pipeline.syncOperations.addHTTPClientHandlers()
                    try channel.pipeline.syncOperations.addHandler(LoadHandler(run: run, host: host))
                }
            }
        try await loop.submit { run.start(connect: { bootstrap.connect(host: host, port: port) }) }.get()
        try await run.finished.futureResult.get()
        return try await loop.submit { run.outcome() }.get()
    }
}

/// The state of one run. Invariant: after `init`, touched only on `loop`.
final class LoadRun: @unchecked Sendable {
    let loop: any EventLoop
    let requests: [LoadGenerator.Request]
    let stages: [LoadGenerator.Stage]
    let finished: EventLoopPromise<Void>
    private let totalWeight: Int
    private var random = SystemRandomNumberGenerator()
    private var startedAt: UInt64 = 0
    private var endsAt: UInt64 = 0
    private var wanted = 0
    private(set) var active = 0
    private var connecting = 0
    private var overall = LoadRun.histogram()
    private var byName: [String: Histogram<UInt64>] = [:]
    private var errorsByName: [String: Int] = [:]
    private var statusCounts: [UInt: Int] = [:]
    private var firstError: String?
    private var timer: Scheduled<Void>? = nil
    private var connect: (() -> EventLoopFuture<any Channel>)?
    private var done = false

    static func histogram() -> Histogram<UInt64> {
        Histogram<UInt64>(highestTrackableValue: 60_000_000_000, numberOfSignificantValueDigits: .three)
    }

    init(loop: any EventLoop, requests: [LoadGenerator.Request], stages: [LoadGenerator.Stage]) {
        self.loop = loop
        self.requests = requests
        self.stages = stages
        self.totalWeight = max(1, requests.reduce(0) { $0 + max(0, $1.weight) })
        self.finished = loop.makePromise()
    }

    func start(connect: @escaping () -> EventLoopFuture<any Channel>) {
        self.connect = connect
        startedAt = DispatchTime.now().uptimeNanoseconds
        endsAt = startedAt + UInt64(stages.reduce(0) { $0 + $1.seconds } * 1e9)
        tick()
    }

    /// Every 50 ms: the users the stages want now; open connections up to it (closing is lazy: a user over
    /// the target stops after its answer).
    private func tick() {
        let now = DispatchTime.now().uptimeNanoseconds
        if now >= endsAt {
            wanted = 0
            if active == 0 && connecting == 0 { finish() }
            timer = loop.scheduleTask(in: .milliseconds(50)) { [self] in tick() }
            return
        }
        wanted = target(at: Double(now - startedAt) / 1e9)
        while active + connecting < wanted, let connect {
            connecting += 1
            connect().whenComplete { [self] result in
                connecting -= 1
                switch result {
                case .success: active += 1
                case .failure(let error): record(error: "connect: \(error)", name: "connect")
                }
            }
        }
        timer = loop.scheduleTask(in: .milliseconds(50)) { [self] in tick() }
    }

    func target(at seconds: Double) -> Int {
        var elapsed = 0.0, from = 0.0
        for stage in stages {
            if seconds < elapsed + stage.seconds {
                let fraction = stage.seconds > 0 ? (seconds - elapsed) / stage.seconds : 1
                return max(0, Int((from + (Double(stage.target) - from) * fraction).rounded(.up)))
            }
            elapsed += stage.seconds
            from = Double(stage.target)
        }
        return 0
    }

    /// Whether a user should send another request (false: it closes its connection).
    func shouldContinue() -> Bool { !done && active <= wanted && DispatchTime.now().uptimeNanoseconds < endsAt }

    func userLeft() {
        active -= 1
        if active == 0 && connecting == 0 && DispatchTime.now().uptimeNanoseconds >= endsAt { finish() }
    }

    func pick() -> LoadGenerator.Request {
        var ticket = Int.random(in: 0..<totalWeight, using: &random)
        for request in requests {
            ticket -= max(0, request.weight)
            if ticket < 0 { return request }
        }
        return requests[0]
    }

    func record(name: String, status: UInt, nanoseconds: UInt64, body: ByteBuffer?) {
        statusCounts[status, default: 0] += 1
        if (200..<300).contains(status) {
            overall.record(nanoseconds)
            byName[name, default: Self.histogram()].record(nanoseconds)
        } else {
            errorsByName[name, default: 0] += 1
            if firstError == nil { firstError = "\(name): HTTP \(status) \(body.map { String(buffer: $0).prefix(300) } ?? "")" }
        }
    }

    func record(error: String, name: String) {
        errorsByName[name, default: 0] += 1
        if firstError == nil { firstError = error }
    }

    private func finish() {
        guard !done else { return }
        done = true
        timer?.cancel()
        finished.succeed()
    }

    func outcome() -> LoadGenerator.Outcome {
        LoadGenerator.Outcome(
            seconds: Double(DispatchTime.now().uptimeNanoseconds - startedAt) / 1e9, overall: overall, byName: byName,
            errorsByName: errorsByName, statusCounts: statusCounts, firstError: firstError
        )
    }
}

/// One virtual user: a connection sending request after request while the run wants it.
final class LoadHandler: ChannelInboundHandler {
    typealias InboundIn = HTTPClientResponsePart
    typealias OutboundOut = HTTPClientRequestPart

    private let run: LoadRun
    private let host: String
    private var current: LoadGenerator.Request?
    private var started: UInt64 = 0
    private var status: UInt = 0
    private var body: ByteBuffer?

    init(run: LoadRun, host: String) {
        self.run = run
        self.host = host
    }

    func channelActive(context: ChannelHandlerContext) {
        sendNext(context: context)
        context.fireChannelActive()
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        switch unwrapInboundIn(data) {
        case .head(let head):
            status = head.status.code
            body = nil
        case .body(var part):
            if body == nil { body = part } else { body?.writeBuffer(&part) }
        case .end:
            guard let request = current else { return }
            run.record(name: request.name, status: status, nanoseconds: DispatchTime.now().uptimeNanoseconds - started, body: body)
            current = nil
            sendNext(context: context)
        }
    }

    func channelInactive(context: ChannelHandlerContext) {
        if let request = current { run.record(error: "\(request.name): connection closed with a request in flight", name: request.name) }
        current = nil
        run.userLeft()
        context.fireChannelInactive()
    }

    func errorCaught(context: ChannelHandlerContext, error: any Error) {
        if let request = current { run.record(error: "\(request.name): \(error)", name: request.name) }
        current = nil
        context.close(promise: nil)
    }

    private func sendNext(context: ChannelHandlerContext) {
        guard run.shouldContinue() else {
            context.close(promise: nil)
            return
        }
        let request = run.pick()
        current = request
        var headers = HTTPHeaders()
        headers.add(name: "Host", value: host)
        for (name, value) in request.headers { headers.add(name: name, value: value) }
        if let payload = request.body { headers.add(name: "Content-Length", value: String(payload.readableBytes)) }
        started = DispatchTime.now().uptimeNanoseconds
        context.write(wrapOutboundOut(.head(HTTPRequestHead(version: .http1_1, method: request.method, uri: request.uri, headers: headers))), promise: nil)
        if let payload = request.body { context.write(wrapOutboundOut(.body(.byteBuffer(payload))), promise: nil) }
        context.writeAndFlush(wrapOutboundOut(.end(nil)), promise: nil)
    }
}
