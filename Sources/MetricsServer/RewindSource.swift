import Foundation
import LookupCore
import MetricsEngine
import Synchronization

/// Where a rewound view comes from: the snapshots the engine kept over its window (no disk), and
/// before that the recording folder (``RecordedView``, as `report DIR --at` computes it). A local
/// console and `/api/rewind` both read it.
public final class RewindSource: Sendable {
    public let monitor: LiveMonitor
    public let folder: RecordingFolder?
    /// The most events a rewind plays from the disk (about 200 MB while it runs): past that (some
    /// 15,000 lookups a second over the lead), `report` on the recording answers instead.
    static let maximumEvents = 2_000_000
    /// The longest a rewind reads the disk (checked between segments): an attached console waits 30 s.
    static let readLimit: Duration = .seconds(20)
    /// One view from the disk at a time: a second asks again later.
    private let busy = Atomic<Bool>(false)

    public init(monitor: LiveMonitor, folder: RecordingFolder?) {
        self.monitor = monitor
        self.folder = folder
    }

    /// A view at one moment: what `/api/rewind` answers, too.
    public struct Found: Sendable, Codable, Equatable {
        public var snapshot: MetricsSnapshot
        /// True when it was played from the recording, false when the engine had kept it.
        public var fromRecording: Bool
        /// With a recording: when the last event before the moment came.
        public var lastEvent: Int64?
    }

    public enum Problem: Error, Equatable, CustomStringConvertible {
        /// Nothing is kept that far back: the engine keeps its window, and there is no recording
        /// (or it starts later).
        case notKept(since: Int64?, recording: Bool)
        /// Another view is being read from the disk.
        case busy
        /// The recording around the moment is larger than one read takes.
        case tooLarge(String)

        public var description: String {
            switch self {
            case .notKept(let since, let recording):
                let from = since.map { " before " + TextReport.timestamp($0) } ?? ""
                return "nothing is kept\(from)" + (recording ? "" : ": the engine keeps its window; start with --record DIR to keep more")
            case .busy: return "another rewind is being read from the recording; try again in a moment"
            case .tooLarge(let why): return why
            }
        }
    }

    /// The view at `time`: from the engine's kept snapshots when it has them, else played from the
    /// recording on a thread of its own (it may read for a while), one at a time.
    public func view(at time: Int64) async -> Result<Found, Problem> {
        if let snapshot = monitor.published(at: time) { return .success(Found(snapshot: snapshot, fromRecording: false)) }
        guard let folder else { return .failure(.notKept(since: monitor.publishedSince, recording: false)) }
        guard busy.compareExchange(expected: false, desired: true, ordering: .acquiring).exchanged else { return .failure(.busy) }
        defer { busy.store(false, ordering: .releasing) }
        let live = monitor.configuration
        let deadline = ContinuousClock.now + Self.readLimit
        return await withCheckedContinuation { (done: CheckedContinuation<Result<Found, Problem>, Never>) in
            Thread.detachNewThread {
                do {
                    guard let view = try RecordedView.view(at: time, folder: folder, like: live, maximumEvents: Self.maximumEvents, deadline: deadline) else {
                        return done.resume(returning: .failure(.notKept(since: folder.segments().first?.startMillis, recording: true)))
                    }
                    done.resume(returning: .success(Found(snapshot: view.snapshot, fromRecording: true, lastEvent: view.lastEvent)))
                } catch {
                    done.resume(returning: .failure(.tooLarge(String(describing: error))))
                }
            }
        }
    }
}
