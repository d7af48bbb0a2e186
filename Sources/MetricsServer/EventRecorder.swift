import Foundation
import Logging
import LookupCore
import MetricsEngine
import NIOPosix
import ServiceLifecycle
import Synchronization

/// Records every event the pump drains into segment files in a folder (`--record DIR`), in the
/// compact form `replay` and `report` read (``CompactEvents``).
///
/// The event pump hands it each batch (``offer(_:)``), which only appends to a bounded buffer:
/// it never waits, so recording can never slow a lookup or the engine. Every
/// ``Settings/flushEvery`` the waiting events are encoded and written by a ``SegmentWriter`` on a
/// thread of the recorder's own (not an event loop, not the task pool). A full buffer drops new
/// events and a failing disk drops the batch; both are counted, and the failure is shown until a
/// write works again. The folder is kept within its budget, oldest segments first.
public final class EventRecorder: Service, Sendable {
    public struct Settings: Sendable {
        public var folder: String
        public var budget: RecordingBudget
        /// How often waiting events go to the disk: a `kill -9` loses at most this much.
        public var flushEvery: Duration = .milliseconds(250)
        /// The most events waiting for the disk; more are dropped and counted.
        public var capacity = 262_144
        /// A segment is closed after this long, whatever its size.
        public var segmentMillis: Int64 = 3_600_000

        public init(folder: String, budget: RecordingBudget = RecordingBudget()) {
            self.folder = folder
            self.budget = budget
        }
    }

    /// What became of the events offered, and of the folder.
    public struct Counts: Sendable, Equatable {
        public var written = 0
        /// Lost because the buffer was full (the disk could not keep up).
        public var droppedFull = 0
        /// Lost because the disk refused them (full, read-only, gone).
        public var droppedDisk = 0
        /// Left out as older than the widest window (no engine takes them either).
        public var droppedOld = 0
        public var bytesWritten: Int64 = 0
        /// Segments removed to stay within the budget, and their bytes.
        public var segmentsRemoved = 0
        public var bytesRemoved: Int64 = 0
        /// Why recording is failing now; nil while it works.
        public var failure: String?

        public var dropped: Int { droppedFull + droppedDisk }
    }

    public let settings: Settings
    private let buffer = Mutex<(events: [MetricEvent], dropped: Int)>(([], 0))
    private let state = Mutex(Counts())
    /// Until when the recorder counts as fallen behind (the last overflow plus a hold).
    private let behindUntil = Mutex<Int64?>(nil)
    static let behindHoldMillis: Int64 = 10_000
    private let writer: Mutex<SegmentWriter>
    private let pool: NIOThreadPool
    private let logger: Logger
    private let wallClock: @Sendable () -> Int64

    public init(settings: Settings, logger: Logger, wallClock: @escaping @Sendable () -> Int64 = { Int64(Date().timeIntervalSince1970 * 1000) }) {
        self.settings = settings
        self.logger = logger
        self.wallClock = wallClock
        writer = Mutex(SegmentWriter(folder: settings.folder, budget: settings.budget, segmentMillis: settings.segmentMillis))
        pool = NIOThreadPool(numberOfThreads: 1)
    }

    public var counts: Counts { state.withLock { $0 } }

    /// Takes a batch from the pump; never waits.
    public func offer(_ events: some Collection<MetricEvent>) {
        buffer.withLock { buffer in
            let room = max(0, settings.capacity - buffer.events.count)
            if events.count <= room {
                buffer.events.append(contentsOf: events)
            } else {
                buffer.events.append(contentsOf: events.prefix(room))
                buffer.dropped += events.count - room
            }
        }
    }

    public func run() async {
        pool.start()
        while !Task.isShuttingDownGracefully && !Task.isCancelled {
            await cancelWhenGracefulShutdown { try? await Task.sleep(for: self.settings.flushEvery) }
            await flush()
        }
        // What the pump drained on the way out goes too (the pump stops first).
        await flush()
        try? await pool.runIfActive { self.writer.withLock { $0.close() } }
        try? await pool.shutdownGracefully()
    }

    /// Starts the recorder's thread without running the service (tests that call ``flush()``).
    func startThread() { pool.start() }
    func stopThread() async { try? await pool.shutdownGracefully() }

    /// Writes what waits, on the recorder's thread.
    func flush() async {
        let (events, full) = buffer.withLock { buffer in
            defer { buffer = ([], 0) }
            return buffer
        }
        let now = wallClock()
        guard let outcome = try? await pool.runIfActive({ self.writer.withLock { $0.write(events, nowMillis: now) } }) else {
            state.withLock { $0.droppedDisk += events.count; $0.droppedFull += full }
            return
        }
        // Falling behind is a failure until the buffer has kept up for a while, so a bursty
        // overload is one failure, not one a flush.
        if full > 0 { behindUntil.withLock { $0 = now + Self.behindHoldMillis } }
        let behind = behindUntil.withLock { until in until.map { now < $0 } ?? false }
        let failure = outcome.failure ?? (behind ? "the disk cannot keep up: events did not fit the recorder's buffer of \(settings.capacity)" : nil)
        let wasFailing = state.withLock { counts in
            let was = counts.failure
            counts.written += outcome.written
            counts.droppedDisk += outcome.dropped
            counts.droppedOld += outcome.old
            counts.droppedFull += full
            counts.bytesWritten += outcome.bytes
            counts.segmentsRemoved += outcome.removed.count
            counts.bytesRemoved += outcome.removed.reduce(0) { $0 + $1.bytes }
            if let failure { counts.failure = failure } else if outcome.written > 0 { counts.failure = nil }
            return was
        }
        if let failure, wasFailing == nil {
            logger.error("recording to \(settings.folder) failed: \(failure); events are dropped from the recording (not from the engine) until it works")
        } else if failure == nil, outcome.written > 0, wasFailing != nil {
            logger.notice("recording to \(settings.folder) works again")
        }
        if let first = outcome.removed.first {
            let bytes = outcome.removed.reduce(Int64(0)) { $0 + $1.bytes }
            let which = outcome.removed.count == 1 ? "segment \(first.name)" : "\(outcome.removed.count) segments from \(first.name) on"
            logger.info("removed recording \(which) (\(bytes) bytes), oldest first, to stay within the folder's budget")
        }
    }
}
