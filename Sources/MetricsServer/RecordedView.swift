import LookupCore
import MetricsEngine

/// The engine's view at one moment of a recording folder: what `report DIR --at`, a rewound
/// console and `/api/rewind` all show, from this one function.
///
/// The events from ``leadMillis(for:)`` before the moment are played through a fresh engine
/// like the live one (same window, thresholds and colo cap), so the window is full and pending
/// periods have run. A moment with nothing recorded just before it (edgewatch was down, or no
/// events came) is played from the lead before the last event recorded before it: its colos are
/// NO DATA since then, never zero traffic, and are not forgotten however long the gap.
public enum RecordedView {
    /// Two windows and the pending period: a state held longer than that by hysteresis alone
    /// may read otherwise than it did live.
    public static func leadMillis(for monitor: MetricsMonitor) -> Int64 {
        Int64(2 * monitor.window.windowSeconds + monitor.thresholds.pendingSeconds) * 1000
    }

    /// A fresh engine configured as `live`, that keeps silent colos.
    public static func engine(like live: MetricsMonitor) -> MetricsMonitor {
        MetricsMonitor(windowSeconds: live.window.windowSeconds, thresholds: live.thresholds, maximumColos: live.window.maximumColos,
                       forgetsSilentColos: false)
    }

    /// The view at one moment, and what it was made from.
    public struct View: Sendable {
        public var snapshot: MetricsSnapshot
        /// The events played (with the lines skipped on the way, torn or malformed).
        public var recording: Recording
        /// The last event recorded at or before the moment.
        public var lastEvent: Int64
    }

    /// The view at `time`, with state changes from `from` on (default: the lead before `time`);
    /// nil when nothing was recorded at or before `time`.
    public static func view(at time: Int64, from: Int64? = nil, folder: RecordingFolder, like live: MetricsMonitor,
                            maximumEvents: Int = RecordingFolder.maximumEvents, deadline: ContinuousClock.Instant? = nil) throws -> View? {
        let lead = leadMillis(for: live)
        var recording = try folder.events(in: min(from ?? time, time) - lead...time, maximumEvents: maximumEvents, deadline: deadline)
        // Nothing in the lead: a gap. Play from the lead before the last event before it.
        if recording.lastMillis == nil {
            guard let last = folder.lastEvent(atOrBefore: time) else { return nil }
            recording = try folder.events(in: last - lead...time, maximumEvents: maximumEvents, deadline: deadline)
        }
        guard let last = recording.lastMillis else { return nil }
        guard let snapshot = play(recording, at: time, from: from ?? (time - lead), like: live) else { return nil }
        return View(snapshot: snapshot, recording: recording, lastEvent: last)
    }

    /// `recording` played to `time` through a fresh engine like `live`, its state changes before
    /// `from` left out.
    public static func play(_ recording: Recording, at time: Int64, from: Int64, like live: MetricsMonitor) -> MetricsSnapshot? {
        var monitor = engine(like: live)
        guard var snapshot = recording.play(into: &monitor, untilMillis: time) else { return nil }
        // A recording whose last event is long before `time` ends where its events end: the
        // engine's clock goes on to `time` so silence shows as NO DATA.
        if snapshot.generatedAt < time { snapshot = monitor.tick(nowMillis: time) }
        snapshot.recentTransitions.removeAll { $0.time < from }
        return snapshot
    }
}
