import AccessControl
import HTTPTypes
import Hummingbird
import HummingbirdAuth
import LookupCore
import NIOCore
import Synchronization

/// Who may call which route: the credentials of each, and one failure throttle shared by all
/// of them (a guesser is slowed down whichever route it tries).
public struct AccessPolicy: Sendable {
    /// `/lookup/customer`: Genesys's Basic Auth or User Defined (bearer) credential.
    public var lookup: Credentials
    /// `/ingest`: the token edge workers send.
    public var ingest: Credentials
    /// `/api/snapshot` and `/metrics`.
    public var read: Credentials
    public let gate: AccessGate

    public init(lookup: Credentials = Credentials(), ingest: Credentials = Credentials(), read: Credentials = Credentials(), gate: AccessGate = AccessGate()) {
        self.lookup = lookup
        self.ingest = ingest
        self.read = read
        self.gate = gate
    }

    /// Every route open: for loopback demos and tests.
    public static var open: AccessPolicy { AccessPolicy() }
}

/// Checks a request's `Authorization` header (parsed by hummingbird-auth) against a route's
/// credentials, throttling clients that keep failing.
public final class AccessGate: Sendable {
    private let throttle: Mutex<FailureThrottle<ClientAddress>>
    private let now: @Sendable () -> Int64

    /// `now` is monotonic milliseconds; tests pass a clock they move by hand.
    public init(policy: FailureThrottle<ClientAddress>.Policy = .init(), now: @escaping @Sendable () -> Int64 = { SystemClocks().monotonicMillis }) {
        throttle = Mutex(FailureThrottle(policy: policy))
        self.now = now
    }

    /// Why a request was refused: its status (401 or 429), message and headers.
    public struct Refusal: Sendable, Equatable {
        public var status: HTTPResponse.Status
        public var message: String
        public var headers: HTTPFields

        /// The refusal with `body` (JSON) as its answer.
        public func response(body: String) -> Response {
            var response = Response.json(status: status, body)
            response.headers.append(contentsOf: headers)
            return response
        }

        /// The refusal with `{"error": message}` as its answer.
        public var response: Response { response(body: JSONText.errorObject(message)) }
    }

    /// Nil when `request` may go on; otherwise why not. An open route admits everyone.
    /// A throttled client is refused before its credential is looked at.
    public func check(_ request: Request, from address: SocketAddress?, against credentials: Credentials) -> Refusal? {
        guard !credentials.isOpen else { return nil }
        let client = Self.client(address)
        let now = now()
        if let waitMillis = throttle.withLock({ $0.wait(for: client, now: now) }) {
            let seconds = (waitMillis + 999) / 1000
            return Refusal(
                status: .tooManyRequests,
                message: "Too many failed credentials from this address; retry after \(seconds)s",
                headers: [.retryAfter: "\(seconds)"]
            )
        }
        if credentials.accepts(Self.presented(request.headers)) { return nil }
        throttle.withLock { $0.recordFailure(by: client, now: now) }
        var headers = HTTPFields()
        for challenge in credentials.challenges { headers.append(HTTPField(name: .wwwAuthenticate, value: challenge)) }
        let schemes = [credentials.takesBasic ? "Basic" : nil, credentials.takesBearer ? "Bearer" : nil].compactMap { $0 }
        return Refusal(
            status: .unauthorized,
            message: "Missing or wrong credentials: send Authorization: \(schemes.joined(separator: " or ")) as configured",
            headers: headers
        )
    }

    /// Refusals of throttled clients, and clients forgotten while the table was full.
    public var counts: (throttled: Int, evictions: Int, tracked: Int) {
        throttle.withLock { ($0.throttled, $0.evictions, $0.trackedClients) }
    }

    /// The credential in an `Authorization` header, as hummingbird-auth reads it.
    static func presented(_ headers: HTTPFields) -> PresentedCredential {
        if let basic = headers.basic { return .basic(user: basic.username, password: basic.password) }
        if let bearer = headers.bearer { return .bearer(bearer.token) }
        return .none
    }

    static func client(_ address: SocketAddress?) -> ClientAddress {
        switch address {
        case .v4(let v4):
            return withUnsafeBytes(of: v4.address.sin_addr) { ClientAddress(bytes: Array($0)) }
        case .v6(let v6):
            return withUnsafeBytes(of: v6.address.sin6_addr) { ClientAddress(bytes: Array($0)) }
        default:
            return .unknown
        }
    }
}

/// The request context of every edgewatch route: Hummingbird's, plus the client's address
/// (which the failure throttle counts against).
public struct EdgeRequestContext: RemoteAddressRequestContext {
    public var coreContext: CoreRequestContextStorage
    public let remoteAddress: SocketAddress?

    public init(source: ApplicationRequestContextSource) {
        coreContext = .init(source: source)
        remoteAddress = source.channel.remoteAddress
    }
}
