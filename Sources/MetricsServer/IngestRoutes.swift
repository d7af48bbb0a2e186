import Foundation
import HTTPTypes
import Hummingbird
import LookupCore
import EdgeHTTP
import MetricsEngine
import NIOCore
import NIOFoundationCompat
import Synchronization

/// `POST /ingest` (one event or an NDJSON batch) and `GET /metrics`; the console's reads are
/// ``ReadRoutes``.
public enum MetricsRoutes {
    /// The largest ingest body accepted.
    public static let maximumIngestBytes = 4 << 20

    /// The header a reporting edgewatch names itself in (`serve --report-to`); with an empty body
    /// it is a heartbeat.
    public static let sourceHeader = HTTPField.Name("X-Edgewatch-Source")!

    /// Seconds a client is told to wait (`Retry-After`) when the event queue is full.
    public static let retryAfterSeconds = 1

    /// Ingest bodies read and decoded at once. Past this, 503 with `Retry-After`: 4,096
    /// connections each sending 4 MiB must not all be held in memory together.
    public static let maximumConcurrentIngests = 8

    /// How many ingests are in progress (a class, so the route's closure can share it).
    final class InProgress: Sendable {
        let count = Atomic<Int>(0)
    }

    /// Adds the routes: `/ingest` takes `access.ingest`'s token, `/metrics` `access.read`'s.
    public static func add(
        to routes: JSONRouter, monitor: LiveMonitor, sink: MetricEventStream, prometheus: PrometheusExport, access: AccessPolicy = .open,
        calls: CRMCalls? = nil, reporter: EventReporter? = nil, viewers: Viewers? = nil,
        notifier: AlertmanagerNotifier? = nil, recorder: EventRecorder? = nil, connections: ConnectionCounts? = nil,
        caches: ColoCaches? = nil
    ) {
        let codec = EventCodec()
        let inProgress = InProgress()
        routes.on("/ingest", .post) { request, context in
            if let refusal = access.gate.check(request, from: context.remoteAddress, against: access.ingest, route: .ingest) { return refusal.response }
            guard inProgress.count.add(1, ordering: .relaxed).newValue <= maximumConcurrentIngests else {
                inProgress.count.subtract(1, ordering: .relaxed)
                var busy = Response.json(status: .serviceUnavailable, JSONText.errorObject("Too many ingests at once; retry after \(retryAfterSeconds)s"))
                busy.headers[.retryAfter] = "\(retryAfterSeconds)"
                return busy
            }
            defer { inProgress.count.subtract(1, ordering: .relaxed) }
            let body: ByteBuffer
            do {
                body = try await request.body.collect(upTo: maximumIngestBytes)
            } catch is NIOTooManyBytesError {
                var tooLarge = Response.json(status: .contentTooLarge, JSONText.errorObject("Ingest body too large: the limit is \(maximumIngestBytes >> 20) MiB; send smaller batches"))
                tooLarge.headers[.connection] = "close"
                return tooLarge
            } catch {
                return .json(status: .badRequest, JSONText.errorObject("The request body could not be read to its end"))
            }
            // An idle reporter's heartbeat: no events, but its source is alive.
            if body.readableBytes == 0, let source = request.headers[sourceHeader], EventLimits.isPlainText(source) {
                monitor.heard(from: source)
                return .json(status: .accepted, "{\"accepted\":0}")
            }
            let result = ingest(Data(buffer: body), codec: codec)
            // All or none: a client told 503 can send the same body again without duplicates.
            guard sink.offer(result.events) else {
                var response = Response.json(
                    status: .serviceUnavailable,
                    "{\"error\":\"The event queue is full; retry after \(retryAfterSeconds)s\",\"accepted\":0,\"refused\":\(result.events.count)}"
                )
                response.headers[.retryAfter] = "\(retryAfterSeconds)"
                return response
            }
            if let first = result.errors.first {
                let message = "\(first.description) (\(result.errorCount) bad line\(result.errorCount == 1 ? "" : "s"); \(result.events.count) accepted)"
                return .json(status: .badRequest, "{\"error\":\(JSONText.quoted(message)),\"accepted\":\(result.events.count),\"rejected\":\(result.errorCount),\"firstBadLine\":\(first.line)}")
            }
            if result.events.isEmpty {
                return .json(status: .badRequest, JSONText.errorObject("No events in the body: send one event object or NDJSON lines"))
            }
            return .json(status: .accepted, "{\"accepted\":\(result.events.count)}")
        }
        routes.on("/metrics", .get) { request, context in
            if let refusal = access.gate.check(request, from: context.remoteAddress, against: access.read, route: .read) { return refusal.response }
            prometheus.record(access: access.gate.counts)
            if let calls { prometheus.record(breaker: calls.breaker.state, rejected: calls.rejected) }
            if let reporter { prometheus.record(report: reporter.counts) }
            if let viewers { prometheus.record(viewers: viewers.counts) }
            if let notifier { prometheus.record(alertmanager: notifier.counts) }
            if let recorder { prometheus.record(recorder: recorder.counts) }
            if let connections { prometheus.record(connections: connections.values) }
            if let caches { prometheus.record(cacheEntries: caches) }
            return Response(
                status: .ok,
                headers: [.contentType: "text/plain; version=0.0.4; charset=utf-8"],
                body: .init(byteBuffer: ByteBuffer(bytes: prometheus.exposition(alerts: monitor.snapshot)))
            )
        }
    }

    /// A body is either one JSON event (possibly pretty-printed, as the seed's worker posts it)
    /// or NDJSON lines. A body that parses as one JSON object is judged as one event, so an
    /// out-of-range field in a pretty-printed event is named rather than reported as bad JSON.
    static func ingest(_ data: Data, codec: EventCodec) -> EventCodec.Decoded {
        switch codec.decode(line: data, number: 1) {
        case .success(let single): return .init(events: [single])
        case .failure(let error) where error.message != EventCodec.notJSON: return .init(errors: [error], errorCount: 1)
        case .failure: return codec.decode(lines: data)
        }
    }
}
