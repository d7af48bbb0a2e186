import EdgeHTTP
import Hummingbird
import Logging
import ServiceLifecycle

/// A Hummingbird application on a loopback port picked by the system, run the way the
/// executable runs it (a service group), and stopped gracefully.
public struct RunningServer: Sendable {
    public let port: Int
    private let group: ServiceGroup
    private let task: Task<Void, any Error>
    private let loops: EventLoops

    public static let quiet = Logger(label: "test") { _ in SwiftLogNoOpLogHandler() }

    public static func start(
        router: Router<JSONRouter.Context>, settings: HTTPServerSettings = HTTPServerSettings(port: 0), logger: Logger = quiet
    ) async throws -> RunningServer {
        let (ports, sink) = AsyncStream.makeStream(of: Int.self)
        let loops = EventLoops(count: 1)
        let app = try settings.application(router: router, loops: loops, logger: logger) { port in
            sink.yield(port)
            sink.finish()
        }
        let group = ServiceGroup(configuration: .init(services: [app], logger: logger))
        let task = Task {
            defer { sink.finish() }
            try await group.run()
        }
        let port = try await within(.seconds(30), "the test server to listen") {
            var iterator = ports.makeAsyncIterator()
            return await iterator.next()
        }
        guard let port else {
            await loops.shutdown()
            throw TimedOut(what: "a port from the test server (it stopped)", limit: .zero)
        }
        return RunningServer(port: port, group: group, task: task, loops: loops)
    }

    /// Stops gracefully, cancelling whatever still runs after five seconds.
    public func stop() async {
        await group.stop(running: task)
        await loops.shutdown()
    }
}
