import Dispatch
import Foundation
import Histogram
import NIOCore
import NIOHTTP1
import NIOPosix

/// A closed-loop HTTP/1.1 load generator: `connections` keep-alive connections on one event loop,
/// each sending its next request the moment the previous response ends (what `wrk` does).
///
/// `bench http` shares the machine's cores with the server it measures, so the client must cost
/// as little as possible: no per-request task, no connection pool, no header parsing beyond
/// NIO's decoder. Everything after the bootstrap runs on the single event loop thread, which is
/// why the shared ``ClosedLoopRun`` state needs no lock.
enum ClosedLoopLoad {
    struct Target: Sendable {
        let host: String
        let port: Int
        let path: String
    }

    struct Outcome {
        var histogram: Histogram<UInt64>
        var seconds: Double
    }

    /// Sends `total` POST requests (request `n` carries `bodies[n % bodies.count]`) over
    /// `connections` connections. `inspect` sees every successful response's body with its body
    /// index, on the event loop; a status other than 200 stops the run with an error.
    static func run(target: Target, bodies: [ByteBuffer], total: Int, connections: Int,
                    inspect: @escaping @Sendable (Int, ByteBuffer) -> Void) async throws -> Outcome {
        let group = MultiThreadedEventLoopGroup(numberOfThreads: 1)
        do {
            let outcome = try await run(on: group.next(), target: target, bodies: bodies, total: total, connections: connections, inspect: inspect)
            try await group.shutdownGracefully()
            return outcome
        } catch {
            try? await group.shutdownGracefully()
            throw error
        }
    }

    private static func run(on loop: any EventLoop, target: Target, bodies: [ByteBuffer], total: Int, connections: Int,
                            inspect: @escaping @Sendable (Int, ByteBuffer) -> Void) async throws -> Outcome {
        let run = ClosedLoopRun(loop: loop, target: target, bodies: bodies, total: total, inspect: inspect)
        let bootstrap = ClientBootstrap(group: loop)
            .channelOption(.socketOption(.tcp_nodelay), value: 1)
            .channelInitializer { channel in
                channel.eventLoop.makeCompletedFuture {
                    try channel.pipeline.syncOperations.addHTTPClientHandlers()
                    try channel.pipeline.syncOperations.addHandler(ClosedLoopHandler(run: run))
                }
            }
        let started = DispatchTime.now().uptimeNanoseconds
        var channels: [any Channel] = []
        do {
            for _ in 0..<max(1, min(connections, total)) {
                channels.append(try await bootstrap.connect(host: target.host, port: target.port).get())
            }
            try await run.finished.futureResult.get()
        } catch {
            for channel in channels { try? await channel.close() }
            throw error
        }
        let seconds = Double(DispatchTime.now().uptimeNanoseconds - started) / 1e9
        for channel in channels { try? await channel.close() }
        return Outcome(histogram: try await loop.submit { run.histogram }.get(), seconds: seconds)
    }
}

/// The work counter, latency histogram and completion promise of one run.
///
/// Invariant: after `init`, every member is read and written only on `loop` (the handlers'
/// event loop); that single-thread confinement is what makes `@unchecked Sendable` sound.
final class ClosedLoopRun: @unchecked Sendable {
    let loop: any EventLoop
    let target: ClosedLoopLoad.Target
    let bodies: [ByteBuffer]
    let total: Int
    let inspect: @Sendable (Int, ByteBuffer) -> Void
    let finished: EventLoopPromise<Void>
    private(set) var histogram = Histogram<UInt64>(highestTrackableValue: 60_000_000_000, numberOfSignificantValueDigits: .three)
    private var issued = 0
    private var completed = 0
    private var failed = false

    init(loop: any EventLoop, target: ClosedLoopLoad.Target, bodies: [ByteBuffer], total: Int,
         inspect: @escaping @Sendable (Int, ByteBuffer) -> Void) {
        self.loop = loop
        self.target = target
        self.bodies = bodies
        self.total = total
        self.inspect = inspect
        self.finished = loop.makePromise()
    }

    /// The next request number, or nil when every request has been issued (or the run failed).
    func take() -> Int? {
        loop.preconditionInEventLoop()
        guard !failed, issued < total else { return nil }
        defer { issued += 1 }
        return issued
    }

    func complete(request: Int, status: UInt, body: ByteBuffer, nanoseconds: UInt64) {
        loop.preconditionInEventLoop()
        guard !failed else { return }
        guard status == 200 else {
            fail(CLIError("HTTP \(status): \(String(buffer: body))"))
            return
        }
        histogram.record(nanoseconds)
        inspect(request % bodies.count, body)
        completed += 1
        if completed == total { finished.succeed() }
    }

    func fail(_ error: any Error) {
        loop.preconditionInEventLoop()
        guard !failed else { return }
        failed = true
        finished.fail(error)
    }

    func connectionClosed(withRequestInFlight inFlight: Bool) {
        if inFlight { fail(CLIError("the server closed a connection with a request in flight")) }
    }
}

/// One connection's request/response loop.
final class ClosedLoopHandler: ChannelInboundHandler {
    typealias InboundIn = HTTPClientResponsePart
    typealias OutboundOut = HTTPClientRequestPart

    private let run: ClosedLoopRun
    private var current: Int?
    private var started: UInt64 = 0
    private var status: UInt = 0
    private var body: ByteBuffer?

    init(run: ClosedLoopRun) { self.run = run }

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
            if body == nil { body = part } else { body!.writeBuffer(&part) }
        case .end:
            let elapsed = DispatchTime.now().uptimeNanoseconds - started
            guard let request = current else { return }
            current = nil
            run.complete(request: request, status: status, body: body ?? ByteBuffer(), nanoseconds: elapsed)
            sendNext(context: context)
        }
    }

    func channelInactive(context: ChannelHandlerContext) {
        run.connectionClosed(withRequestInFlight: current != nil)
        context.fireChannelInactive()
    }

    func errorCaught(context: ChannelHandlerContext, error: any Error) {
        run.fail(error)
        context.close(promise: nil)
    }

    private func sendNext(context: ChannelHandlerContext) {
        guard let request = run.take() else { return }
        current = request
        let payload = run.bodies[request % run.bodies.count]
        var headers = HTTPHeaders()
        headers.reserveCapacity(3)
        headers.add(name: "Host", value: run.target.host)
        headers.add(name: "Content-Type", value: "application/json")
        headers.add(name: "Content-Length", value: String(payload.readableBytes))
        let head = HTTPRequestHead(version: .http1_1, method: .POST, uri: run.target.path, headers: headers)
        started = DispatchTime.now().uptimeNanoseconds
        context.write(wrapOutboundOut(.head(head)), promise: nil)
        context.write(wrapOutboundOut(.body(.byteBuffer(payload))), promise: nil)
        context.writeAndFlush(wrapOutboundOut(.end(nil)), promise: nil)
    }
}
