#if canImport(Glibc)
import Glibc
#endif
import Foundation
import LookupCore
import MetricsEngine

/// Writes batches of events into a recording folder's segments, synchronously (the recorder
/// calls it on a thread of its own, never on an event loop): one segment open at a time, a new
/// one when it reaches the budget's segment size or an hour, and the oldest removed to keep the
/// folder within its budget. A write that fails (a full or read-only disk) drops that batch,
/// counted, and the next write tries a new segment after ``retryMillis``.
///
/// Crash safety: every batch goes to the kernel with `write(2)` as soon as it is taken, so a
/// `kill -9` loses only what had not yet been taken (at most the recorder's flush interval); a
/// segment is `fsync`ed when it is closed. A batch cut short leaves a torn last line, which
/// readers skip and count.
struct SegmentWriter {
    struct Outcome: Equatable {
        var written = 0
        var dropped = 0
        /// Older than the widest window: no engine takes them, and the recording does not either.
        var old = 0
        var bytes: Int64 = 0
        /// Segments removed for the budget, and their bytes.
        var removed: [RecordingSegment] = []
        /// Why writing failed (nil when it worked).
        var failure: String?
    }

    let folder: String
    let budget: RecordingBudget
    /// A segment is closed after this long, whatever its size, so names keep finding times.
    let segmentMillis: Int64
    static let retryMillis: Int64 = 5_000
    /// Events older than this (the widest window) are not recorded.
    static let oldestMillis = Int64(MetricsWindow.windowRange.upperBound) * 1000
    /// The budget is checked at least this often, besides at each new segment.
    static let retentionEveryMillis: Int64 = 60_000

    private var fd: Int32 = -1
    private(set) var current: String?
    private var bytes: Int64 = 0
    private var openedAt: Int64 = 0
    private var retryAt: Int64?
    private var checkedAt: Int64?
    /// Why the last open or write failed, said again while waiting to retry.
    private var problem: String?

    init(folder: String, budget: RecordingBudget, segmentMillis: Int64 = 3_600_000) {
        self.folder = folder
        self.budget = budget
        self.segmentMillis = segmentMillis
    }

    /// Writes `events` (encoded here) at wall-clock `nowMillis`, across as many segments as
    /// their size takes (no segment grows past the budget's segment size, unless one line does).
    mutating func write(_ events: [MetricEvent], nowMillis: Int64) -> Outcome {
        var outcome = Outcome()
        var data: [UInt8] = []
        data.reserveCapacity(events.count * 40)
        // As the engine takes them: a time ahead of the clock is now; one older than the widest
        // window is left out (counted). So names find every event within the readers' slack.
        let oldest = nowMillis - Self.oldestMillis
        for event in events {
            if event.timestamp < oldest {
                outcome.old += 1
            } else if event.timestamp > nowMillis {
                var clamped = event
                clamped.timestamp = nowMillis
                CompactEvents.append(clamped, to: &data)
            } else {
                CompactEvents.append(event, to: &data)
            }
        }
        var offset = 0
        while offset < data.count {
            if fd >= 0, bytes > 0, bytes + Int64(data.count - offset) > budget.segmentBytes || nowMillis - openedAt >= segmentMillis {
                close()
            }
            if fd < 0 {
                if let retryAt, nowMillis < retryAt {
                    outcome.failure = problem ?? "waiting to try again"
                    break
                }
                if let problem = open(nowMillis: nowMillis) {
                    self.problem = problem
                    retryAt = nowMillis + Self.retryMillis
                    outcome.failure = problem
                    break
                }
                // Room for the new segment to fill, before a byte goes in: the folder never
                // holds more than the budget, even in the middle of a batch.
                checkedAt = nowMillis
                outcome.removed += removeForBudget(nowMillis: nowMillis)
            }
            // Whole lines up to the segment's room (at least one line).
            let room = Int(max(0, budget.segmentBytes - bytes))
            var end = data.count
            if data.count - offset > room {
                let limit = offset + room
                end = data[offset..<limit].lastIndex(of: UInt8(ascii: "\n")).map { $0 + 1 }
                    ?? (data[offset...].firstIndex(of: UInt8(ascii: "\n")).map { $0 + 1 } ?? data.count)
            }
            let (written, problem) = writeAll(data[offset..<end])
            bytes += Int64(written)
            outcome.bytes += Int64(written)
            outcome.written += data[offset..<(offset + written)].reduce(0) { $0 + ($1 == UInt8(ascii: "\n") ? 1 : 0) }
            offset = end
            if let problem {
                self.problem = problem
                outcome.failure = problem
                // The next batch starts a new segment, after a pause; this one may end torn.
                close(sync: false)
                retryAt = nowMillis + Self.retryMillis
                break
            }
        }
        outcome.dropped = events.count - outcome.old - outcome.written
        if checkedAt.map({ nowMillis - $0 >= Self.retentionEveryMillis }) ?? true {
            checkedAt = nowMillis
            outcome.removed += removeForBudget(nowMillis: nowMillis)
        }
        return outcome
    }

    /// The segments in the folder, in time order (other files are not ours and are left alone).
    static func segments(in folder: String) -> [RecordingSegment] {
        guard let names = try? FileManager.default.contentsOfDirectory(atPath: folder) else { return [] }
        return names.compactMap { name -> RecordingSegment? in
            guard let start = RecordingSegment.start(of: name) else { return nil }
            var info = stat()
            guard stat(folder + "/" + name, &info) == 0, (info.st_mode & S_IFMT) == S_IFREG else { return nil }
            return RecordingSegment(name: name, startMillis: start, bytes: Int64(info.st_size))
        }.sorted { ($0.startMillis, $0.name) < ($1.startMillis, $1.name) }
    }

    private mutating func removeForBudget(nowMillis: Int64) -> [RecordingSegment] {
        let removals = budget.removals(Self.segments(in: folder), active: current, nowMillis: nowMillis)
        return removals.filter { unlink(folder + "/" + $0.name) == 0 }
    }

    /// Opens a new segment named by `nowMillis` (a later millisecond if that name is taken);
    /// nil when it worked, else why not.
    private mutating func open(nowMillis: Int64) -> String? {
        if let problem = Self.makeFolder(folder) { return problem }
        for attempt in 0..<1000 {
            let name = RecordingSegment.name(startMillis: nowMillis + Int64(attempt))
            let descriptor = Glibc.open(folder + "/" + name, O_WRONLY | O_CREAT | O_EXCL | O_APPEND | O_CLOEXEC, 0o644)
            if descriptor >= 0 {
                fd = descriptor
                current = name
                bytes = 0
                openedAt = nowMillis
                return nil
            }
            if errno != EEXIST { return "cannot create a segment in \(folder): \(Self.describe(errno))" }
        }
        return "cannot create a segment in \(folder): a thousand names taken"
    }

    /// Writes everything, across partial writes; how much went, and why the rest did not.
    private func writeAll(_ data: ArraySlice<UInt8>) -> (Int, String?) {
        var done = 0
        while done < data.count {
            let result = data.withUnsafeBytes { Glibc.write(fd, $0.baseAddress! + done, data.count - done) }
            if result > 0 {
                done += result
            } else if result < 0, errno == EINTR {
                continue
            } else {
                return (done, "cannot write to \(folder): \(Self.describe(result < 0 ? errno : ENOSPC))")
            }
        }
        return (done, nil)
    }

    /// Closes the segment being written, `fsync`ed first unless the disk just failed.
    mutating func close(sync: Bool = true) {
        guard fd >= 0 else { return }
        if sync { _ = fsync(fd) }
        _ = Glibc.close(fd)
        fd = -1
        current = nil
    }

    /// Makes `path` and any folders missing above it (`mkdir -p`); nil when it is there now.
    static func makeFolder(_ path: String) -> String? {
        if mkdir(path, 0o755) == 0 || errno == EEXIST { return nil }
        guard errno == ENOENT else { return "cannot create \(path): \(describe(errno))" }
        let parent = (path as NSString).deletingLastPathComponent
        guard !parent.isEmpty, parent != path, makeFolder(parent) == nil else { return "cannot create \(path): \(describe(ENOENT))" }
        return mkdir(path, 0o755) == 0 || errno == EEXIST ? nil : "cannot create \(path): \(describe(errno))"
    }

    static func describe(_ code: Int32) -> String {
        String(cString: strerror(code))
    }
}
