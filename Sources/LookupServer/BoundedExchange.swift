import AsyncHTTPClient
import NIOCore

/// One HTTP exchange under one deadline: connect, head and body. AsyncHTTPClient's own deadline
/// stops once the response head arrives, so a peer that trickles its body or goes silent after
/// the head would hold the caller. Here the exchange races a timer; when the timer wins, the
/// exchange is cancelled, which closes its connection.
public enum BoundedExchange {
    /// The status and body, or nil when `timeout` passed first. Throws what the client throws
    /// (`NIOTooManyBytesError` past `maximumBodyBytes`).
    public static func perform(
        _ request: HTTPClientRequest, on client: HTTPClient, timeout: Duration, maximumBodyBytes: Int
    ) async throws -> (status: Int, body: ByteBuffer)? {
        try await withThrowingTaskGroup(of: (status: Int, body: ByteBuffer)?.self) { group in
            group.addTask {
                let response = try await client.execute(request, deadline: .now() + .nanoseconds(timeout.nanoseconds))
                let body = try await response.body.collect(upTo: maximumBodyBytes)
                return (Int(response.status.code), body)
            }
            group.addTask {
                try await Task.sleep(for: timeout)
                return nil
            }
            defer { group.cancelAll() }
            return try await group.next()!
        }
    }
}
