import EdgeHTTP
import AsyncHTTPClient
import Foundation
import Logging
import LookupCore
import NIOCore
import NIOFoundationCompat
import NIOHTTP1

/// The CRM over HTTP: `GET {base}/customers?phone=%2B<digits>` or `?email=<address>`, with a
/// bearer token, a pooled keep-alive client, and one deadline over the whole exchange.
///
/// The exchange (connect, head and body) runs under one deadline (``BoundedExchange``); a CRM
/// that trickles its body or goes silent after the head gets `crm_timeout`.
public final class HTTPCustomerDirectory: CustomerDirectory {
    public let baseURL: String
    public let timeout: Duration
    private let apiKey: String
    private let client: HTTPClient
    private let logger: Logger
    /// A CRM answer bigger than this is treated as a bad response.
    static let maximumBodyBytes = 1 << 20

    /// The CRM call deadline unless told otherwise.
    public static let defaultTimeout: Duration = .seconds(3)

    public init(baseURL: String, apiKey: String, timeout: Duration = HTTPCustomerDirectory.defaultTimeout, loops: EventLoops, logger: Logger) {
        self.baseURL = baseURL.hasSuffix("/") ? String(baseURL.dropLast()) : baseURL
        self.apiKey = apiKey
        self.timeout = timeout
        self.logger = logger
        let millis = max(1, timeout.nanoseconds / 1_000_000)
        var configuration = HTTPClient.Configuration(
            timeout: .init(connect: .milliseconds(millis), read: .milliseconds(millis)),
            connectionPool: .init(idleTimeout: .seconds(60), concurrentHTTP1ConnectionsPerHostSoftLimit: 64)
        )
        // A refused connection is an outage to report now, not something to retry until the deadline.
        configuration.connectionPool.retryConnectionEstablishment = false
        configuration.decompression = .disabled
        // A redirect would carry the API key somewhere the operator did not name: a 3xx is a bad response.
        configuration.redirectConfiguration = .disallow
        // On the server's own loops: on a pinned core, one thread answers callers and the CRM.
        client = HTTPClient(eventLoopGroup: loops.group, configuration: configuration)
    }

    /// The request URL for a key.
    public func url(for key: LookupKey) -> String {
        switch key {
        case .phone(let digits): "\(baseURL)/customers?phone=%2B\(digits)"
        case .email(let address): "\(baseURL)/customers?email=\(URLText.percentEncoded(address))"
        }
    }

    public func lookUp(_ key: LookupKey, from colo: Colo) async -> CRMOutcome {
        var request = HTTPClientRequest(url: url(for: key))
        request.headers.add(name: "Authorization", value: "Bearer \(apiKey)")
        request.headers.add(name: "Accept", value: "application/json")
        do {
            guard let (status, body) = try await BoundedExchange.perform(request, on: client, timeout: timeout, maximumBodyBytes: Self.maximumBodyBytes)
            else { return .failed(.timeout) }
            return CRMOutcome.classify(status: status, body: Data(buffer: body))
        } catch {
            let failure = Self.classify(error)
            // The error may quote the request URL, which holds the number or address: scrubbed.
            logger.debug("CRM call failed", metadata: [
                "errorType": "\(failure.rawValue)", "key": "\(key)", "error": "\(key.scrub(String(describing: error)))",
            ])
            return .failed(failure)
        }
    }

    /// Maps a transport error to its `errorType`.
    static func classify(_ error: any Error) -> CRMFailure {
        if let error = error as? HTTPClientError {
            switch error {
            case .deadlineExceeded, .readTimeout, .writeTimeout, .getConnectionFromPoolTimeout:
                return .timeout
            default:
                return .unreachable
            }
        }
        if error is NIOTooManyBytesError || error is HTTPParserError { return .badResponse }
        if error is CancellationError { return .timeout }
        return .unreachable
    }

    public func shutdown() async throws {
        try await client.shutdown()
    }
}

