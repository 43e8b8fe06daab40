import Accounts
import Hummingbird
import NIOCore
import Synchronization

/// What every request knows about its caller once the authentication middleware has run.
protocol PrincipalRequestContext: RequestContext {
    /// The caller, when a valid Bearer token named one of our users (active or not: the procedure
    /// kind decides what a deactivated user may do).
    var principal: Principal? { get }
    /// The client's address (`X-Forwarded-For`'s first entry when present, else the socket's peer).
    var clientAddress: String? { get }
    /// The request id: the client's `x-request-id` when it sent a usable one, else a new one.
    var requestID: String { get }
    /// What inner layers learn about the request (caller, procedure) for the outer access log.
    var trace: RequestTrace { get }
}

/// Facts found while a request is handled, read back by `RequestObservationMiddleware` when it logs the
/// request (inner middleware work on copies of the context, so they write here instead).
public final class RequestTrace: Sendable {
    public struct Facts: Sendable, Equatable {
        public var organisation: String?
        public var user: String?
        public var procedure: String?
    }
    private let facts = Mutex(Facts())

    public init() {}

    public var current: Facts { facts.withLock { $0 } }

    func setCaller(organisation: String, user: String) {
        facts.withLock {
            $0.organisation = organisation
            $0.user = user
        }
    }

    func setProcedure(_ procedure: String) {
        facts.withLock { $0.procedure = procedure }
    }
}

/// The request context of every route: Hummingbird's core storage, the peer address, and the
/// principal and request id filled in by middleware.
public struct AppRequestContext: RequestContext, RemoteAddressRequestContext, PrincipalRequestContext {
    public var coreContext: CoreRequestContextStorage
    public let remoteAddress: SocketAddress?
    public internal(set) var principal: Principal?
    public internal(set) var forwardedFor: String?
    public internal(set) var requestID: String
    public let trace = RequestTrace()

    public init(source: ApplicationRequestContextSource) {
        coreContext = .init(source: source)
        remoteAddress = source.channel.remoteAddress
        principal = nil
        forwardedFor = nil
        requestID = ""
    }

    public var clientAddress: String? { forwardedFor ?? remoteAddress?.ipAddress }

    /// Whether the request came from this machine (loopback), ignoring forwarding headers.
    public var isLoopback: Bool {
        guard let address = remoteAddress?.ipAddress else { return false }
        return address == "127.0.0.1" || address == "::1" || address.hasPrefix("127.") || address == "::ffff:127.0.0.1"
    }
}
