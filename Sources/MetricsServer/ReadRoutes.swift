import EdgeHTTP
import Foundation
import HTTPTypes
import Hummingbird
import LookupCore
import MetricsEngine
import NIOCore
import Synchronization

/// What an attached console reads, and a script can read the same way (all take `access.read`'s
/// token):
/// - `GET /api/about`: what this edgewatch is and allows (its role, window, whether it flushes);
/// - `GET /api/snapshot[?window=S][&since=N]`: the last published snapshot, its figures over the
///   last `S` seconds (at most the window; the states stay judged over the window), and only the
///   state changes after the first `N`;
/// - `GET /api/detail?colo=LHR[&window=S]`: one colo (or `ALL`) step by step over the window
///   (or its last `S` seconds);
/// - `GET /api/history`: ALL's p95 and hit rate over the window, a second at a time, for the
///   last ``MetricsMonitor/historySeconds`` (what the history sparklines draw);
/// - `GET /api/rewind?at=T`: the snapshot at an earlier moment (epoch ms), from the snapshots the
///   engine kept over its window or, before that, played from the recording (`--record`) as
///   `report DIR --at` computes it; one read from the disk at a time (503 while one runs).
///
/// Snapshot, detail and history reads are leased to at most ``ViewerBook/defaultCapacity`` viewers at
/// once (past that, 503). A snapshot is encoded once per published tick and window for all the
/// viewers that are caught up, so viewers cost little more than their bytes.
public enum ReadRoutes {
    /// The header an attached console names itself in, so many consoles behind one address each
    /// hold their own lease.
    public static let viewerHeader = HTTPField.Name("X-Edgewatch-Viewer")!

    /// What `/api/about` says of the process.
    public struct About: Sendable, Equatable, Codable {
        /// `serve` (the lookup runs here) or `watch` (only `/ingest` feeds it).
        public var role: String
        /// Why `POST /api/flush` is refused here; nil when it is taken (with the admin token).
        public var flushOff: String?
        public var windowSeconds: Int
        public var viewers: Int
        public var maximumViewers: Int

        public init(role: String, flushOff: String?, windowSeconds: Int, viewers: Int, maximumViewers: Int) {
            self.role = role
            self.flushOff = flushOff
            self.windowSeconds = windowSeconds
            self.viewers = viewers
            self.maximumViewers = maximumViewers
        }
    }

    /// What `/api/rewind` answers: the view, and where it came from.
    public typealias Rewound = RewindSource.Found

    public static func add(
        to routes: JSONRouter, monitor: LiveMonitor, access: AccessPolicy, viewers: Viewers, role: String, flushOff: String?,
        rewind: RewindSource? = nil
    ) {
        let snapshots = EncodedSnapshots()
        // Every colo and ALL, at every window step: all a console can ask for in one second.
        let details = PerTick<DetailKey>(capacity: (ColoName.maximumColos + 2) * MetricsWindow.steps.count)
        let histories = PerTick<Int>(capacity: 1)
        routes.on("/api/about", .get) { request, context in
            if let refusal = access.gate.check(request, from: context.remoteAddress, against: access.read, route: .read) { return refusal.response }
            let counts = viewers.counts
            let about = About(role: role, flushOff: flushOff, windowSeconds: monitor.windowSeconds, viewers: counts.attached, maximumViewers: viewers.capacity)
            return .json(String(decoding: try JSONEncoder.sorted.encode(about), as: UTF8.self))
        }
        routes.on("/api/snapshot", .get) { request, context in
            if let refusal = access.gate.check(request, from: context.remoteAddress, against: access.read, route: .read) { return refusal.response }
            if let refused = admit(request, context: context, viewers: viewers) { return refused }
            let query = request.uri.queryParameters
            let window: Int?
            switch viewWindow(query["window"].map(String.init), monitor: monitor) {
            case .failure(let bad): return bad.response
            case .success(let seconds): window = seconds
            }
            var since = 0
            if let text = query["since"] {
                guard let seen = Int(text), seen >= 0 else {
                    return .json(status: .badRequest, JSONText.errorObject("since must be a count of state changes already seen (0 or more)"))
                }
                since = seen
            }
            return .jsonBytes(try snapshots.encoded(monitor: monitor, window: window, since: since))
        }
        routes.on("/api/rewind", .get) { request, context in
            if let refusal = access.gate.check(request, from: context.remoteAddress, against: access.read, route: .read) { return refusal.response }
            if let refused = admit(request, context: context, viewers: viewers) { return refused }
            guard let text = request.uri.queryParameters["at"], let time = Int64(text), EventLimits.timestamps.contains(time) else {
                return .json(status: .badRequest, JSONText.errorObject("name a moment: /api/rewind?at=<epoch milliseconds>"))
            }
            let source = rewind ?? RewindSource(monitor: monitor, folder: nil)
            switch await source.view(at: min(time, monitor.now())) {
            case .success(let found):
                return .json(String(decoding: try JSONEncoder.sorted.encode(found), as: UTF8.self))
            case .failure(.busy):
                var busy = Response.json(status: .serviceUnavailable, JSONText.errorObject(RewindSource.Problem.busy.description))
                busy.headers[.retryAfter] = "1"
                return busy
            case .failure(.tooLarge(let why)):
                return .json(status: .unprocessableContent, JSONText.errorObject(why + " (edgewatch report reads more, on the recording itself)"))
            case .failure(let problem):
                return .json(status: .notFound, JSONText.errorObject(problem.description))
            }
        }
        routes.on("/api/history", .get) { request, context in
            if let refusal = access.gate.check(request, from: context.remoteAddress, against: access.read, route: .read) { return refusal.response }
            if let refused = admit(request, context: context, viewers: viewers) { return refused }
            let encoded = try histories.value(generation: monitor.now() / 1000, key: 0) {
                ByteBuffer(bytes: try JSONEncoder.sorted.encode(monitor.history))
            }
            return .jsonBytes(encoded ?? ByteBuffer())
        }
        routes.on("/api/detail", .get) { request, context in
            if let refusal = access.gate.check(request, from: context.remoteAddress, against: access.read, route: .read) { return refusal.response }
            if let refused = admit(request, context: context, viewers: viewers) { return refused }
            let query = request.uri.queryParameters
            guard let raw = query["colo"].map(String.init), !raw.isEmpty, raw.utf8.count <= ColoName.maximumLength else {
                return .json(status: .badRequest, JSONText.errorObject("name a colo: /api/detail?colo=LHR (or ALL)"))
            }
            let colo = raw.uppercased() == ColoName.all ? ColoName.all : ColoName.normalised(raw)
            let window: Int?
            switch viewWindow(query["window"].map(String.init), monitor: monitor) {
            case .failure(let bad): return bad.response
            case .success(let seconds): window = seconds
            }
            // A colo the engine does not list is not computed, nor kept: made-up names cannot
            // crowd the real ones out of the cache.
            let judged = monitor.snapshot
            guard colo == ColoName.all || judged.colos.contains(where: { $0.colo == colo }) else {
                return .json(status: .notFound, JSONText.errorObject("\(colo) has nothing in the window"))
            }
            // Once a second per colo and window, for every viewer: the steps move by the second.
            let second = monitor.now() / 1000
            let encoded = try details.value(generation: second, key: DetailKey(colo: colo, window: window)) {
                guard let detail = monitor.detail(colo: colo, seconds: window) else { return nil }
                return ByteBuffer(bytes: try JSONEncoder.sorted.encode(detail))
            }
            guard let encoded else {
                return .json(status: .notFound, JSONText.errorObject("\(colo) has nothing in the window"))
            }
            return .jsonBytes(encoded)
        }
    }

    struct DetailKey: Hashable {
        var colo: String
        var window: Int?
    }

    struct BadQuery: Error {
        let response: Response
    }

    /// A viewer's window: nil for the server's own (asked for, or anything longer, which the engine
    /// cannot compute); a shorter one only among the console's steps, so viewers share encodings.
    static func viewWindow(_ text: String?, monitor: LiveMonitor) -> Result<Int?, BadQuery> {
        guard let text else { return .success(nil) }
        let server = monitor.windowSeconds
        guard let seconds = Int(text), MetricsWindow.windowRange.contains(seconds), seconds >= server || MetricsWindow.steps.contains(seconds) else {
            let steps = MetricsWindow.steps.filter { $0 < server }.map(String.init).joined(separator: ", ")
            return .failure(BadQuery(response: .json(status: .badRequest, JSONText.errorObject(
                "window must be one of \(steps.isEmpty ? "" : steps + ", or ")\(server) (the server's) or more, in seconds"))))
        }
        return .success(seconds >= server ? nil : seconds)
    }

    /// Nil when the request's viewer may read; otherwise the 503 that says why not.
    static func admit(_ request: Request, context: JSONRouter.Context, viewers: Viewers) -> Response? {
        let named = request.headers[viewerHeader].flatMap { $0.utf8.count <= 64 && EventLimits.isPlainText($0) ? $0 : nil }
        let viewer = named.map { "viewer " + $0 } ?? "address \(AccessGate.client(context.remoteAddress))"
        guard !viewers.admit(viewer) else { return nil }
        var busy = Response.json(status: .serviceUnavailable, JSONText.errorObject(
            "\(viewers.capacity) viewers are attached, the most this server serves; try again when one detaches (a viewer counts until \(ViewerBook.leaseMillis / 1000) s after its last read)"))
        busy.headers[.retryAfter] = "\(ViewerBook.leaseMillis / 1000)"
        return busy
    }
}

extension Response {
    /// Encoded JSON bytes, as they are.
    static func jsonBytes(_ bytes: ByteBuffer) -> Response {
        Response(status: .ok, headers: [.contentType: "application/json"], body: .init(byteBuffer: bytes))
    }
}

extension JSONEncoder {
    /// Keys sorted, so answers and dumps diff well.
    static var sorted: JSONEncoder {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys]
        return encoder
    }
}

/// Values made once per generation (a published tick, a second) and key, then shared; at most
/// `capacity` per generation (more than the keys readers can ask for), past which each is made for
/// its one request and not kept.
final class PerTick<Key: Hashable & Sendable>: Sendable {
    private struct Store {
        var generation: Int64 = .min
        var entries: [Key: ByteBuffer?] = [:]
    }

    let capacity: Int
    private let store = Mutex(Store())

    init(capacity: Int) {
        self.capacity = capacity
    }

    func value(generation: Int64, key: Key, make: () throws -> ByteBuffer?) rethrows -> ByteBuffer? {
        if let hit = store.withLock({ $0.generation == generation ? $0.entries[key] : nil }) { return hit }
        let made = try make()
        store.withLock { store in
            if store.generation != generation { store = Store(generation: generation) }
            if store.generation == generation, store.entries.count < capacity { store.entries.updateValue(made, forKey: key) }
        }
        return made
    }
}

/// Snapshots as JSON, each encoded once per published tick, window and count of unseen changes:
/// every console caught up with the changes reads the same bytes.
final class EncodedSnapshots: Sendable {
    private struct Key: Hashable {
        var window: Int?
        var unseen: Int
    }

    /// Every window step (and the server's) times every bucket of unseen changes.
    private let cache = PerTick<Key>(capacity: (MetricsWindow.steps.count + 1) * 4)

    func encoded(monitor: LiveMonitor, window: Int?, since: Int) throws -> ByteBuffer {
        let judged = monitor.snapshot
        // `window` is shorter than the server's, or nil.
        let made = try cache.value(generation: judged.generatedAt, key: Key(window: window, unseen: Self.bucket(Self.unseen(judged, since)))) {
            var snapshot = window.map { monitor.view(seconds: $0, judged: judged) } ?? judged
            // What the reader has not seen, rounded up to a few sizes so readers share encodings
            // (a reader takes the newest it lacks and keeps the rest it has).
            snapshot.recentTransitions = Array(snapshot.recentTransitions.prefix(Self.bucket(Self.unseen(snapshot, since))))
            return ByteBuffer(bytes: try JSONEncoder.sorted.encode(snapshot))
        }
        return made ?? ByteBuffer()
    }

    /// The kept changes after the first `since`.
    static func unseen(_ snapshot: MetricsSnapshot, _ since: Int) -> Int {
        min(max(0, snapshot.transitionCount - since), snapshot.recentTransitions.count)
    }

    /// 0, 16, 128, or every change kept: the four sizes of change log a snapshot is sent with.
    static func bucket(_ unseen: Int) -> Int {
        switch unseen {
        case 0: 0
        case 1...16: 16
        case 17...128: 128
        default: Int.max
        }
    }
}
