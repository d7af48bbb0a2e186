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
///   last ``MetricsMonitor/historySeconds`` (what the history sparklines draw).
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

    public static func add(
        to routes: JSONRouter, monitor: LiveMonitor, access: AccessPolicy, viewers: Viewers, role: String, flushOff: String?
    ) {
        let cache = EncodedSnapshots()
        routes.on("/api/about", .get) { request, context in
            if let refusal = access.gate.check(request, from: context.remoteAddress, against: access.read, route: .read) { return refusal.response }
            let counts = viewers.counts
            let about = About(role: role, flushOff: flushOff, windowSeconds: monitor.windowSeconds, viewers: counts.attached, maximumViewers: viewers.capacity)
            return .json(String(decoding: try JSONEncoder.sorted.encode(about), as: UTF8.self))
        }
        routes.on("/api/snapshot", .get) { request, context in
            if let refusal = access.gate.check(request, from: context.remoteAddress, against: access.read, route: .read) { return refusal.response }
            if let full = admit(request, context: context, viewers: viewers) { return full }
            let query = request.uri.queryParameters
            var window: Int?
            if let text = query["window"] {
                guard let seconds = Int(text), MetricsWindow.windowRange.contains(seconds) else { return badWindow }
                window = seconds
            }
            var since = 0
            if let text = query["since"] {
                guard let seen = Int(text), seen >= 0 else {
                    return .json(status: .badRequest, JSONText.errorObject("since must be a count of state changes already seen (0 or more)"))
                }
                since = seen
            }
            return Response(status: .ok, headers: [.contentType: "application/json"],
                            body: .init(byteBuffer: try cache.encoded(monitor: monitor, window: window, since: since)))
        }
        routes.on("/api/history", .get) { request, context in
            if let refusal = access.gate.check(request, from: context.remoteAddress, against: access.read, route: .read) { return refusal.response }
            if let full = admit(request, context: context, viewers: viewers) { return full }
            return .json(String(decoding: try JSONEncoder.sorted.encode(monitor.history), as: UTF8.self))
        }
        routes.on("/api/detail", .get) { request, context in
            if let refusal = access.gate.check(request, from: context.remoteAddress, against: access.read, route: .read) { return refusal.response }
            if let full = admit(request, context: context, viewers: viewers) { return full }
            guard let raw = request.uri.queryParameters["colo"].map(String.init), !raw.isEmpty, raw.utf8.count <= ColoName.maximumLength else {
                return .json(status: .badRequest, JSONText.errorObject("name a colo: /api/detail?colo=LHR (or ALL)"))
            }
            let colo = raw.uppercased() == ColoName.all ? ColoName.all : ColoName.normalised(raw)
            var window: Int?
            if let text = request.uri.queryParameters["window"] {
                guard let seconds = Int(text), MetricsWindow.windowRange.contains(seconds) else { return badWindow }
                window = seconds
            }
            guard let detail = monitor.detail(colo: colo, seconds: window) else {
                return .json(status: .notFound, JSONText.errorObject("\(colo) has nothing in the window"))
            }
            return .json(String(decoding: try JSONEncoder.sorted.encode(detail), as: UTF8.self))
        }
    }

    static var badWindow: Response {
        .json(status: .badRequest, JSONText.errorObject("window must be whole seconds in \(MetricsWindow.windowRange)"))
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

extension JSONEncoder {
    /// Keys sorted, so answers and dumps diff well.
    static var sorted: JSONEncoder {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys]
        return encoder
    }
}

/// Snapshots as JSON, each encoded once per published tick, window and count of unseen changes:
/// every console caught up with the changes reads the same bytes.
final class EncodedSnapshots: Sendable {
    private struct Key: Hashable {
        var window: Int?
        var unseen: Int
    }

    private struct Store {
        var generatedAt: Int64 = .min
        var entries: [Key: ByteBuffer] = [:]
    }

    /// Encodings kept for one tick: more than the window steps times a few unseen counts.
    static let capacity = 64
    private let store = Mutex(Store())

    func encoded(monitor: LiveMonitor, window: Int?, since: Int) throws -> ByteBuffer {
        let judged = monitor.snapshot
        let narrowed = window.flatMap { $0 < judged.windowSeconds ? $0 : nil }
        if let hit = store.withLock({ $0.generatedAt == judged.generatedAt ? $0.entries[Key(window: narrowed, unseen: Self.unseen(judged, since))] : nil }) {
            return hit
        }
        var snapshot = narrowed.map { monitor.view(seconds: $0) } ?? judged
        // Only what the reader has not seen (the log keeps the newest; the count tells what went).
        let unseen = Self.unseen(snapshot, since)
        snapshot.recentTransitions = Array(snapshot.recentTransitions.prefix(unseen))
        let bytes = ByteBuffer(bytes: try JSONEncoder.sorted.encode(snapshot))
        store.withLock { store in
            if store.generatedAt != snapshot.generatedAt { store = Store(generatedAt: snapshot.generatedAt) }
            if store.entries.count < Self.capacity { store.entries[Key(window: narrowed, unseen: unseen)] = bytes }
        }
        return bytes
    }

    /// The kept changes after the first `since`.
    static func unseen(_ snapshot: MetricsSnapshot, _ since: Int) -> Int {
        min(max(0, snapshot.transitionCount - since), snapshot.recentTransitions.count)
    }
}
