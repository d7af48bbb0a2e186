import Synchronization

/// A test wait that ran out of time; the message names what was awaited.
public struct TimedOut: Error, CustomStringConvertible {
    public let what: String
    public let limit: Duration
    public var description: String { "timed out after \(limit) waiting for \(what)" }
}

/// Runs `body`, or throws ``TimedOut`` once `limit` has passed. The caller gets its answer at the
/// limit even if `body` ignores cancellation (it is cancelled and left behind), so no test that
/// uses this can hang.
public func within<T: Sendable>(
    _ limit: Duration, _ what: String, _ body: @escaping @Sendable () async throws -> T
) async throws -> T {
    try await withCheckedThrowingContinuation { (continuation: CheckedContinuation<T, any Error>) in
        let race = Race(continuation)
        let timer = Task {
            try await Task.sleep(for: limit)
            return race.settle(.failure(TimedOut(what: what, limit: limit)))
        }
        let work = Task {
            race.settle(await Result(catching: body))
            timer.cancel()  // no sleeping timer is left behind per call
        }
        Task {
            if (try? await timer.value) == true { work.cancel() }
        }
    }
}

/// Resumes a continuation once, with whichever result comes first.
private final class Race<T: Sendable>: Sendable {
    private let continuation: Mutex<CheckedContinuation<T, any Error>?>
    init(_ continuation: CheckedContinuation<T, any Error>) { self.continuation = Mutex(continuation) }

    @discardableResult
    func settle(_ result: Result<T, any Error>) -> Bool {
        guard let continuation = continuation.withLock({ current in defer { current = nil }; return current }) else { return false }
        continuation.resume(with: result)
        return true
    }
}

extension Result where Failure == any Error {
    init(catching body: () async throws -> Success) async {
        do { self = .success(try await body()) } catch { self = .failure(error) }
    }
}

/// Polls `condition` every 10 ms until it holds; throws ``TimedOut`` after `limit`.
public func eventually(
    _ what: String, within limit: Duration = .seconds(10), _ condition: @escaping @Sendable () async throws -> Bool
) async throws {
    try await within(limit, what) {
        while try await !condition() {
            try await Task.sleep(for: .milliseconds(10))
        }
    }
}
