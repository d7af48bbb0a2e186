import AsyncHTTPClient
import Foundation
import NIOCore
import NIOHTTP1

/// One HTTP answer as a test sees it.
public struct HTTPReply: Sendable {
    public var status: Int
    /// Header names in lower case.
    public var headers: [String: String]
    public var body: String
    public var contentType: String? { headers["content-type"] }
    public var json: [String: Any] { (try? JSONSerialization.jsonObject(with: Data(body.utf8))) as? [String: Any] ?? [:] }
}

/// HTTP from tests, with one deadline over the whole exchange (connect, head and body).
public enum HTTPProbe {
    public static func send(
        _ method: HTTPMethod, _ url: String, headers: [(String, String)] = [], body: String? = nil,
        timeout: Duration = .seconds(10), client: HTTPClient = .shared
    ) async throws -> HTTPReply {
        try await within(timeout, "\(method) \(url)") {
            var request = HTTPClientRequest(url: url)
            request.method = method
            for (name, value) in headers { request.headers.add(name: name, value: value) }
            if let body { request.body = .bytes(ByteBuffer(string: body)) }
            let nanos = timeout.components.seconds * 1_000_000_000 + timeout.components.attoseconds / 1_000_000_000
            let response = try await client.execute(request, timeout: .nanoseconds(nanos))
            let bytes = try await response.body.collect(upTo: 16 << 20)
            var fields: [String: String] = [:]
            // Repeated fields are joined with ", ", as HTTP allows (e.g. two WWW-Authenticate challenges).
            for header in response.headers {
                let name = header.name.lowercased()
                fields[name] = fields[name].map { $0 + ", " + header.value } ?? header.value
            }
            return HTTPReply(status: Int(response.status.code), headers: fields, body: String(buffer: bytes))
        }
    }
}
