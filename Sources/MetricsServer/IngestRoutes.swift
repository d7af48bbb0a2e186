import Foundation
import Hummingbird
import LookupCore
import LookupServer
import MetricsEngine
import NIOCore
import NIOFoundationCompat

/// `POST /ingest` (one event or an NDJSON batch), `GET /api/snapshot` and `GET /metrics`.
public enum MetricsRoutes {
    /// The largest ingest body accepted.
    public static let maximumIngestBytes = 4 << 20

    public static func add(to routes: JSONRouter, monitor: LiveMonitor, sink: any MetricSink, prometheus: PrometheusExport) {
        let codec = EventCodec()
        routes.on("/ingest", .post) { request, _ in
            let body: ByteBuffer
            do {
                body = try await request.body.collect(upTo: maximumIngestBytes)
            } catch is NIOTooManyBytesError {
                return .json(status: .contentTooLarge, JSONText.errorObject("Ingest body too large: the limit is \(maximumIngestBytes >> 20) MiB; send smaller batches"))
            }
            let result = ingest(Data(buffer: body), codec: codec)
            for event in result.events { sink.emit(event) }
            if let first = result.errors.first {
                let message = "\(first.description) (\(result.errors.count) bad line\(result.errors.count == 1 ? "" : "s"); \(result.events.count) accepted)"
                return .json(status: .badRequest, "{\"error\":\(JSONText.quoted(message)),\"accepted\":\(result.events.count),\"rejected\":\(result.errors.count),\"firstBadLine\":\(first.line)}")
            }
            if result.events.isEmpty {
                return .json(status: .badRequest, JSONText.errorObject("No events in the body: send one event object or NDJSON lines"))
            }
            return .json(status: .accepted, "{\"accepted\":\(result.events.count)}")
        }
        routes.on("/api/snapshot", .get) { _, _ in
            .json(String(decoding: try snapshotEncoder.encode(monitor.tick()), as: UTF8.self))
        }
        routes.on("/metrics", .get) { _, _ in
            Response(
                status: .ok,
                headers: [.contentType: "text/plain; version=0.0.4; charset=utf-8"],
                body: .init(byteBuffer: ByteBuffer(bytes: prometheus.exposition()))
            )
        }
    }

    /// A body is either one JSON event (possibly pretty-printed, as the seed's worker posts it)
    /// or NDJSON lines.
    static func ingest(_ data: Data, codec: EventCodec) -> (events: [MetricEvent], errors: [EventCodec.LineError]) {
        if case .success(let single) = codec.decode(line: data, number: 1) { return ([single], []) }
        return codec.decode(lines: data)
    }

    static let snapshotEncoder: JSONEncoder = {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys]
        return encoder
    }()
}
