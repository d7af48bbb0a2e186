import Synchronization

/// The listener's port, learned once the server is up and read by the dashboard and the reporter.
final class SharedPort: Sendable {
    private let value = Atomic<Int>(0)
    var port: Int? { let port = value.load(ordering: .relaxed); return port == 0 ? nil : port }
    func set(_ port: Int) { value.store(port, ordering: .relaxed) }
}
