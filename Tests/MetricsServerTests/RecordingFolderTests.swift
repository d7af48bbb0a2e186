import Foundation
import Logging
import Synchronization
import LookupCore
import MetricsEngine
import TestSupport
import Testing
@testable import MetricsServer

/// The recording on disk: segments within the budget, a range read back by name, a read-only
/// folder, and the view at a moment across a gap.
@Suite("Recording folders")
struct RecordingFolderTests {
    static let t0: Int64 = 1_796_612_400_000

    static func folder() throws -> String {
        let path = FileManager.default.temporaryDirectory.appendingPathComponent("recording-\(UUID().uuidString)").path
        try FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: true)
        return path
    }

    /// `count` events a second apart `spacing` ms, from `start`, for `colo`.
    static func events(_ count: Int, from start: Int64, spacing: Int64 = 10, colo: String = "LHR", latencyMs: Double = 5) -> [MetricEvent] {
        (0..<count).map { MetricEvent(timestamp: start + Int64($0) * spacing, colo: colo, latencyMs: latencyMs, cacheHit: $0 % 4 != 0, customerFound: true, cpuMs: 0.05) }
    }

    static func bytes(in path: String) -> Int64 {
        SegmentWriter.segments(in: path).reduce(0) { $0 + $1.bytes }
    }

    @Test("Under heavy writing the folder never holds more than its budget; the oldest segments go first and are counted")
    func budgetHeld() throws {
        let path = try Self.folder()
        defer { try? FileManager.default.removeItem(atPath: path) }
        let budget = RecordingBudget(maximumBytes: RecordingBudget.smallestBytes)
        var writer = SegmentWriter(folder: path, budget: budget)
        var removed = 0
        var written = 0
        for batch in 0..<40 {
            let now = Self.t0 + Int64(batch) * 250
            let outcome = writer.write(Self.events(2_000, from: now, spacing: 0), nowMillis: now)
            #expect(outcome.failure == nil && outcome.dropped == 0)
            written += outcome.written
            removed += outcome.removed.count
            #expect(Self.bytes(in: path) <= budget.maximumBytes, "batch \(batch): \(Self.bytes(in: path)) bytes")
            for segment in SegmentWriter.segments(in: path) { #expect(segment.bytes <= budget.segmentBytes) }
        }
        writer.close()
        #expect(written == 80_000 && removed > 10)
        // What is left is whole, newest kept.
        let left = try RecordingFolder(path: path).events(in: 0...Int64.max - 1)
        #expect(left.errorCount == 0 && left.lastMillis == Self.t0 + 39 * 250 && left.events.count < 80_000)
    }

    @Test("A folder that does not exist yet is made, with the folders above it")
    func madeIfMissing() throws {
        let root = try Self.folder()
        defer { try? FileManager.default.removeItem(atPath: root) }
        let path = root + "/a/b/c"
        var writer = SegmentWriter(folder: path, budget: RecordingBudget())
        let outcome = writer.write(Self.events(3, from: Self.t0, spacing: 0), nowMillis: Self.t0)
        writer.close()
        #expect(outcome.failure == nil && outcome.written == 3)
        #expect(RecordingFolder(path: path).segments().count == 1)
    }

    @Test("A range is read from the segments that can hold it; the last event before a moment and the span are found")
    func ranges() throws {
        let path = try Self.folder()
        defer { try? FileManager.default.removeItem(atPath: path) }
        var writer = SegmentWriter(folder: path, budget: RecordingBudget(), segmentMillis: 60_000)
        // Ten minutes, a segment a minute; then a gap of an hour; then one more minute.
        for second in stride(from: 0, to: 600, by: 1) {
            let now = Self.t0 + Int64(second) * 1000
            _ = writer.write(Self.events(10, from: now, spacing: 100), nowMillis: now + 999)
        }
        let after = Self.t0 + 4_200_000
        for second in 0..<60 {
            let now = after + Int64(second) * 1000
            _ = writer.write(Self.events(10, from: now, spacing: 100), nowMillis: now + 999)
        }
        writer.close()
        let folder = RecordingFolder(path: path)
        #expect(folder.segments().count >= 11)
        let minute = try folder.events(in: Self.t0 + 120_000...Self.t0 + 180_000 - 1)
        #expect(minute.events.count == 600 && minute.errorCount == 0)
        #expect(minute.firstMillis == Self.t0 + 120_000 && minute.lastMillis == Self.t0 + 179_900)
        #expect(folder.lastEvent(atOrBefore: Self.t0 + 3_000_000) == Self.t0 + 599_900, "in the gap: the last before it")
        #expect(folder.lastEvent(atOrBefore: Self.t0 - 1) == nil)
        #expect(folder.span() == Self.t0...(after + 59_900))
    }

    @Test("In a gap the view says NO DATA since the last event, never zero traffic, however long the gap")
    func gapIsNoData() throws {
        let path = try Self.folder()
        defer { try? FileManager.default.removeItem(atPath: path) }
        var writer = SegmentWriter(folder: path, budget: RecordingBudget())
        for second in 0..<120 {
            let now = Self.t0 + Int64(second) * 1000
            _ = writer.write(Self.events(5, from: now, spacing: 100) + Self.events(5, from: now, spacing: 100, colo: "SIN"), nowMillis: now + 999)
        }
        writer.close()
        let live = MetricsMonitor()
        let view = try #require(try RecordedView.view(at: Self.t0 + 7_200_000, folder: RecordingFolder(path: path), like: live))
        #expect(view.lastEvent == Self.t0 + 119_400)
        #expect(view.snapshot.colos.map(\.colo) == ["LHR", "SIN"], "not forgotten")
        for row in view.snapshot.colos + [view.snapshot.all] {
            // Heard in the last second of events (the engine keeps seconds).
            #expect(row.silent && row.shownWorst == .noData && row.lastHeard.map { (Self.t0 + 119_400..<Self.t0 + 120_000).contains($0) } == true,
                    "\(row.colo) \(String(describing: row.lastHeard.map { $0 - Self.t0 }))")
        }
        // Inside the recording, the figures are the events' own.
        let inside = try #require(try RecordedView.view(at: Self.t0 + 99_999, folder: RecordingFolder(path: path), like: live))
        #expect(inside.snapshot.all.figures.tally.requests == 600 && !inside.snapshot.all.silent, "\(inside.snapshot.all.figures.tally.requests)")
    }

    @Test("A read-only folder: the batch is dropped and counted, the failure says why; writable again, recording resumes")
    func readOnly() async throws {
        let path = try Self.folder()
        defer {
            ReadOnlyFolder.unlock(path)
            try? FileManager.default.removeItem(atPath: path)
        }
        try #require(ReadOnlyFolder.lock(path), "the folder could not be made read-only here (chattr or chmod)")
        let clock = Atomic<Int64>(Self.t0)
        let recorder = EventRecorder(settings: .init(folder: path), logger: Logger(label: "test"), wallClock: { clock.load(ordering: .relaxed) })
        recorder.startThread()
        recorder.offer(Self.events(100, from: Self.t0))
        await recorder.flush()
        var counts = recorder.counts
        #expect(counts.written == 0 && counts.droppedDisk == 100)
        let failure = try #require(counts.failure)
        #expect(failure.contains(path) && (failure.contains("ermission") || failure.contains("not permitted") || failure.contains("Read-only")), "\(failure)")
        ReadOnlyFolder.unlock(path)
        // Within the retry pause it waits, still counting; after it, writes again.
        recorder.offer(Self.events(10, from: Self.t0 + 1000))
        await recorder.flush()
        #expect(recorder.counts.droppedDisk == 110 && recorder.counts.failure != nil)
        clock.add(SegmentWriter.retryMillis, ordering: .relaxed)
        recorder.offer(Self.events(10, from: Self.t0 + 6000))
        await recorder.flush()
        counts = recorder.counts
        #expect(counts.written == 10 && counts.failure == nil)
        await recorder.stopThread()
    }

    @Test("Events are recorded as the engine takes them: a time ahead of the clock is now, one older than the widest window is left out and counted")
    func clocked() throws {
        let path = try Self.folder()
        defer { try? FileManager.default.removeItem(atPath: path) }
        var writer = SegmentWriter(folder: path, budget: RecordingBudget())
        let now = Self.t0 + 3_600_000
        let events = Self.events(1, from: now + 86_400_000) + Self.events(1, from: now - 901_000) + Self.events(1, from: now - 899_000)
        let outcome = writer.write(events, nowMillis: now)
        writer.close()
        #expect(outcome.written == 2 && outcome.old == 1 && outcome.dropped == 0)
        let kept = try RecordingFolder(path: path).events(in: 0...EventLimits.timestamps.upperBound)
        #expect(kept.events.map(\.timestamp) == [now - 899_000, now])
        #expect(RecordingFolder(path: path).span() == (now - 899_000)...now, "a far future stamp does not stretch the recording")
    }
}
