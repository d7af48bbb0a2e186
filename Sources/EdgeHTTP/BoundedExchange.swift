import AsyncHTTPClient
import NIOCore
import NIOHTTP1

/// One HTTP exchange under one deadline: connect, head and body.
///
/// Through AsyncHTTPClient's delegate API, whose deadline covers the whole exchange (a timer on the
/// request's event loop fails it at the deadline whatever stage it has reached), with the body
/// gathered on the event loop. So a peer that trickles its body or goes silent after the head
/// cannot hold the caller. (The async API's own deadline stops once the head arrives; the first
/// version here ran that API in a task of its own with a timer cancelling it, which cost a cold
/// lookup about a tenth more CPU.)
public enum BoundedExchange {
    /// The status and body, or nil when `timeout` passed first. Throws what the client throws
    /// (`ResponseAccumulator.ResponseTooBigError` past `maximumBodyBytes`).
    public static func perform(
        _ request: HTTPClient.Request, on client: HTTPClient, timeout: Duration, maximumBodyBytes: Int
    ) async throws -> (status: Int, body: ByteBuffer)? {
        let delegate = ResponseAccumulator(request: request, maxBodySize: maximumBodyBytes)
        let task = client.execute(request: request, delegate: delegate, deadline: .now() + .nanoseconds(timeout.nanoseconds))
        do {
            let response = try await withTaskCancellationHandler {
                try await task.futureResult.get()
            } onCancel: {
                task.cancel()
            }
            return (Int(response.status.code), response.body ?? ByteBuffer())
        } catch let error as HTTPClientError where error == .deadlineExceeded {
            return nil
        }
    }

    /// A request to `url` (a clear error for one that is not a URL).
    public static func request(
        _ url: String, method: HTTPMethod = .GET, headers: [(String, String)] = [], body: ByteBuffer? = nil
    ) throws -> HTTPClient.Request {
        try HTTPClient.Request(url: url, method: method, headers: HTTPHeaders(headers), body: body.map { .byteBuffer($0) })
    }
}
