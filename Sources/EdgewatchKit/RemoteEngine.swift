import AsyncHTTPClient
import EdgeHTTP
import Foundation
import LookupCore
import MetricsEngine
import MetricsServer
import NIOCore
import NIOHTTP1
import NIOSSL

/// Another edgewatch's read API (`/api/about`, `/api/snapshot`, `/api/history`, `/api/detail`)
/// and its flush, as an attached console uses them: each call one exchange under one deadline.
/// Nothing here is private to the console: a script can make the same calls.
struct RemoteEngine: Sendable {
    /// The server's base URL, without a trailing slash (a path prefix is kept: a proxy may mount it).
    let base: String
    let client: HTTPClient
    /// `Bearer <READ_TOKEN>`, when there is one.
    let readAuthorization: String?
    /// `Bearer <ADMIN_TOKEN>`, for flushes.
    let adminAuthorization: String?
    /// This console's name in its reads, so its lease is its own.
    let viewer: String
    let timeout: Duration

    /// The deadline over each exchange.
    static let defaultTimeout: Duration = .seconds(3)
    /// The largest answer read: a snapshot of 65 colos with the whole change log is well under it.
    static let maximumBodyBytes = 8 << 20

    func about() async throws(RemoteError) -> ReadRoutes.About {
        try decode(ReadRoutes.About.self, try await get("/api/about"))
    }

    /// The snapshot with its figures over `window` seconds (nil: the server's), and the state
    /// changes after the first `since`.
    func snapshot(window: Int?, since: Int) async throws(RemoteError) -> MetricsSnapshot {
        var path = "/api/snapshot?since=\(since)"
        if let window { path += "&window=\(window)" }
        return try decode(MetricsSnapshot.self, try await get(path))
    }

    /// The figures at an earlier moment, which the server may play from its recording: under a
    /// longer deadline than the live reads.
    func rewind(at time: Int64) async throws(RemoteError) -> ReadRoutes.Rewound {
        try decode(ReadRoutes.Rewound.self, try await get("/api/rewind?at=\(time)", timeout: Self.rewindTimeout))
    }

    /// The deadline over a rewind's exchange: the server may read its recording for a while.
    static let rewindTimeout: Duration = .seconds(30)

    func history() async throws(RemoteError) -> [HistorySample] {
        try decode([HistorySample].self, try await get("/api/history"))
    }

    /// One colo step by step; nil when the server has nothing for it.
    func detail(colo: String, window: Int?) async throws(RemoteError) -> ColoDetail? {
        let escaped = colo.addingPercentEncoding(withAllowedCharacters: .alphanumerics) ?? ""
        do {
            return try decode(ColoDetail.self, try await get("/api/detail?colo=" + escaped + (window.map { "&window=\($0)" } ?? "")))
        } catch .refused(status: 404, _) {
            return nil
        }
    }

    /// Flushes one colo's cache, or all; the count of entries removed.
    func flush(colo: String?) async throws(RemoteError) -> Int {
        var request = HTTPClientRequest(url: base + "/api/flush")
        request.method = .POST
        request.headers.add(name: "Content-Type", value: "application/json")
        if let adminAuthorization { request.headers.add(name: "Authorization", value: adminAuthorization) }
        let body = colo.map { "{\"colo\":\(JSONText.quoted($0))}" } ?? "{}"
        request.body = .bytes(ByteBuffer(string: body))
        struct Flushed: Decodable { let flushed: Int }
        return try decode(Flushed.self, try await exchange(request)).flushed
    }

    private func get(_ path: String, timeout: Duration? = nil) async throws(RemoteError) -> ByteBuffer {
        var request = HTTPClientRequest(url: base + path)
        if let readAuthorization { request.headers.add(name: "Authorization", value: readAuthorization) }
        request.headers.add(name: ReadRoutes.viewerHeader.rawName, value: viewer)
        return try await exchange(request, timeout: timeout)
    }

    private func exchange(_ request: HTTPClientRequest, timeout: Duration? = nil) async throws(RemoteError) -> ByteBuffer {
        let timeout = timeout ?? self.timeout
        let answer: (status: Int, body: ByteBuffer)?
        do {
            answer = try await BoundedExchange.perform(request, on: client, timeout: timeout, maximumBodyBytes: Self.maximumBodyBytes)
        } catch is NIOTooManyBytesError {
            throw .badAnswer("an answer over \(Self.maximumBodyBytes >> 20) MiB")
        } catch {
            throw RemoteError(transport: error)
        }
        guard let answer else { throw .timedOut(timeout) }
        guard answer.status == 200 else {
            throw .refused(status: answer.status, message: Self.message(in: answer.body))
        }
        return answer.body
    }

    private func decode<T: Decodable>(_ type: T.Type, _ body: ByteBuffer) throws(RemoteError) -> T {
        let data = Data(buffer: body)
        if let problem = AnswerLimits.problem(in: data) { throw .badAnswer(problem) }
        do {
            return try JSONDecoder().decode(type, from: data)
        } catch {
            throw .badAnswer("an answer that is not an edgewatch's \(type) (is the URL an edgewatch, of this version?)")
        }
    }

    /// The `error` of a JSON answer, cut to a line.
    static func message(in body: ByteBuffer) -> String? {
        struct Failure: Decodable { let error: String }
        guard let failure = try? JSONDecoder().decode(Failure.self, from: Data(buffer: body)) else { return nil }
        return AnswerLimits.printable(String(failure.error.prefix(200)))
    }
}

/// Why a call to another edgewatch failed, in words an operator can act on.
enum RemoteError: Error, Sendable, Equatable {
    /// The server answered, but not 200.
    case refused(status: Int, message: String?)
    case timedOut(Duration)
    /// The TLS handshake failed, and how.
    case tls(TLSFailure, detail: String)
    /// No connection: refused, unreachable, a name that does not resolve.
    case unreachable(String)
    case badAnswer(String)

    enum TLSFailure: Sendable, Equatable {
        /// The server's certificate did not verify: an unknown CA, or expired, or not yet valid.
        case certificate
        /// It verified, but does not name the host in the URL.
        case hostname
        /// Anything else, a client certificate refused by the server among them.
        case handshake
    }

    init(transport error: any Error) {
        let text = AnswerLimits.printable(String(describing: error))
        if let extra = error as? NIOSSLExtraError, extra == .failedToValidateHostname {
            self = .tls(.hostname, detail: text)
        } else if error is NIOSSLError || error is NIOSSLExtraError || text.contains("SSL") || text.contains("TLS") || text.contains("handshake") {
            self = .tls(text.contains("CERTIFICATE_VERIFY_FAILED") ? .certificate : .handshake, detail: text)
        } else if let client = error as? HTTPClientError, client == .connectTimeout {
            self = .unreachable("the connection timed out")
        } else if text.contains("connectionRefused") || text.contains("Connection refused") {
            self = .unreachable("connection refused")
        } else {
            self = .unreachable(String(text.prefix(160)))
        }
    }

    /// A few words for the disconnected banner.
    var short: String {
        switch self {
        case .refused(401, _): "the read token was refused (READ_TOKEN)"
        case .refused(let status, let message): "HTTP \(status)" + (message.map { ": " + $0 } ?? "")
        case .timedOut(let limit): "no answer within \(limit.components.seconds) s"
        case .tls(.certificate, _): "TLS: the server's certificate does not verify"
        case .tls(.hostname, _): "TLS: the server's certificate names another host"
        case .tls(.handshake, let detail): "TLS: " + String(detail.prefix(80))
        case .unreachable(let why): why
        case .badAnswer(let what): what
        }
    }
}
