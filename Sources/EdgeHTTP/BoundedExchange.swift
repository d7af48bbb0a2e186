import AsyncHTTPClient
import NIOCore
import Synchronization

/// One HTTP exchange under one deadline: connect, head and body. AsyncHTTPClient's own deadline
/// stops once the response head arrives, so a peer that trickles its body or goes silent after
/// the head would hold the caller. Here a timer on the client's event loop cancels the exchange
/// when the deadline passes, which closes its connection.
public enum BoundedExchange {
    /// The status and body, or nil when `timeout` passed first. Throws what the client throws
    /// (`NIOTooManyBytesError` past `maximumBodyBytes`).
    public static func perform(
        _ request: HTTPClientRequest, on client: HTTPClient, timeout: Duration, maximumBodyBytes: Int
    ) async throws -> (status: Int, body: ByteBuffer)? {
        let limit = TimeAmount.nanoseconds(timeout.nanoseconds)
        let exchange = Task {
            let response = try await client.execute(request, deadline: .now() + limit)
            let body = try await response.body.collect(upTo: maximumBodyBytes)
            return (status: Int(response.status.code), body: body)
        }
        let expired = Atomic(false)
        let timer = client.eventLoopGroup.any().scheduleTask(in: limit) {
            expired.store(true, ordering: .sequentiallyConsistent)
            exchange.cancel()
        }
        defer { timer.cancel() }
        do {
            return try await withTaskCancellationHandler {
                try await exchange.value
            } onCancel: {
                exchange.cancel()
            }
        } catch where expired.load(ordering: .sequentiallyConsistent) && Self.isCancellation(error) {
            // Cancelled by the timer (an exchange that failed on its own, just as the timer
            // fired, keeps its own error).
            return nil
        }
    }

    static func isCancellation(_ error: any Error) -> Bool {
        if error is CancellationError { return true }
        if let error = error as? HTTPClientError { return error == .cancelled || error == .deadlineExceeded }
        return false
    }
}
