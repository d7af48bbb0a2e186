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
    /// `/api/snapshot`, `/api/detail`, `/api/about` and `/metrics`.
    public var read: Credentials
    /// `POST /api/flush`. Unlike the others, open means closed: without an admin token, nobody flushes.
    public var admin: Credentials
    public let gate: AccessGate

    public init(
        lookup: Credentials = Credentials(), ingest: Credentials = Credentials(), read: Credentials = Credentials(), admin: Credentials = Credentials(),
        gate: AccessGate = AccessGate()
    ) {
        self.lookup = lookup
        self.ingest = ingest
        self.read = read
        self.admin = admin
        self.gate = gate
    }

    /// Every route open: for loopback demos and tests.
    public static var open: AccessPolicy { AccessPolicy() }
}

/// Checks a request's `Authorization` header (parsed by hummingbird-auth) against a route's
/// credentials, and slows down clients that keep failing.
///
/// The right credential always passes, even from a throttled address: Genesys calls from a few
/// shared egress addresses, and a stranger's guesses from one of them must not lock real lookups
/// out. A throttled address's wrong attempts get 429 with `Retry-After` instead of 401, and are
/// not added to its debt. What stops guessing is the secrets' length (16 characters at least,
/// checked at start-up); the throttle tells a misconfigured client to back off and makes a guesser
/// visible.
public final class AccessGate: Sendable {
    /// The protected routes, for counting refusals.
    public enum Route: String, Sendable, CaseIterable {
        case lookup, ingest, read, admin
    }

    /// What the gate has refused since start, and the throttle's table.
    public struct Counts: Sendable, Equatable {
        public var refused: [Route: Int] = [:]
        /// Refusals answered 429 because the address was throttled (included in `refused`).
        public var throttled = 0
        /// Addresses forgotten with debt because the table was full.
        public var evictions = 0
        /// Addresses the throttle remembers now.
        public var tracked = 0
        public var totalRefused: Int { refused.values.reduce(0, +) }

        public init(refused: [Route: Int] = [:], throttled: Int = 0, evictions: Int = 0, tracked: Int = 0) {
            self.refused = refused
            self.throttled = throttled
            self.evictions = evictions
            self.tracked = tracked
        }
    }

    private struct State {
        var throttle: FailureThrottle<ClientAddress>
        var refused: [Route: Int] = [:]
        var throttled = 0
    }

    private let state: Mutex<State>
    private let now: @Sendable () -> Int64

    /// `now` is monotonic milliseconds; tests pass a clock they move by hand.
    public init(policy: FailureThrottle<ClientAddress>.Policy = .init(), now: @escaping @Sendable () -> Int64 = { SystemClocks().monotonicMillis }) {
        state = Mutex(State(throttle: FailureThrottle(policy: policy)))
        self.now = now
    }

    /// Why a request was refused: its status (401 or 429), message and headers.
    public struct Refusal: Sendable, Equatable {
        public var status: HTTPResponse.Status
        public var message: String
        public var headers: HTTPFields

        /// The refusal with `body` (JSON) as its answer, with `Connection: close` so the client
        /// does not send more on this connection. (Hummingbird 2.28 closes a connection only when
        /// the request asked to, so the server drains the rest of a refused body; the fast path
        /// answers nothing more on it, see `AnswerCounter`.)
        public func response(body: String) -> Response {
            var response = Response.json(status: status, body)
            response.headers.append(contentsOf: headers)
            response.headers[.connection] = "close"
            return response
        }

        /// The refusal with `{"error": message}` as its answer.
        public var response: Response { response(body: JSONText.errorObject(message)) }
    }

    /// Nil when `request` may go on; otherwise why not. An open route admits everyone.
    public func check(_ request: Request, from address: SocketAddress?, against credentials: Credentials, route: Route) -> Refusal? {
        guard !Self.passes(request.headers, credentials) else { return nil }
        let client = Self.client(address)
        let now = now()
        let waitMillis = state.withLock { state -> Int64? in
            state.refused[route, default: 0] += 1
            if let wait = state.throttle.wait(for: client, now: now) {
                state.throttled += 1
                return wait
            }
            state.throttle.recordFailure(by: client, now: now)
            return nil
        }
        if let waitMillis {
            let seconds = (waitMillis + 999) / 1000
            return Refusal(
                status: .tooManyRequests,
                message: "Too many failed credentials from this address; retry after \(seconds)s",
                headers: [.retryAfter: "\(seconds)"]
            )
        }
        var headers = HTTPFields()
        for challenge in credentials.challenges { headers.append(HTTPField(name: .wwwAuthenticate, value: challenge)) }
        let schemes = [credentials.takesBasic ? "Basic" : nil, credentials.takesBearer ? "Bearer" : nil].compactMap { $0 }
        return Refusal(
            status: .unauthorized,
            message: "Missing or wrong credentials: send Authorization: \(schemes.joined(separator: " or ")) as configured",
            headers: headers
        )
    }

    public var counts: Counts {
        state.withLock { state in
            Counts(refused: state.refused, throttled: state.throttled, evictions: state.throttle.evictions, tracked: state.throttle.trackedClients)
        }
    }

    /// Whether these headers carry a credential `credentials` accept (or none is needed). Pure:
    /// the right credential always passes, whatever the throttle says.
    public static func passes(_ headers: HTTPFields, _ credentials: Credentials) -> Bool {
        credentials.isOpen || credentials.accepts(presented(headers))
    }

    /// The credential in an `Authorization` header, as hummingbird-auth reads it.
    static func presented(_ headers: HTTPFields) -> PresentedCredential {
        if let basic = headers.basic { return .basic(user: basic.username, password: basic.password) }
        if let bearer = headers.bearer { return .bearer(bearer.token) }
        return .none
    }

    public static func client(_ address: SocketAddress?) -> ClientAddress {
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
