import Foundation
import LookupCore
import MetricsEngine

/// A recorded scenario for `sample-metrics/`: a story, the traffic that tells it, and the
/// alert states the dashboard must show at given times.
public struct Scenario: Sendable {
    /// A promise: at `second` after the start, `colo`'s `metric` is in `state`.
    public struct Expectation: Sendable {
        public var second: Int
        public var colo: String
        public var metric: AlertMetric
        public var state: AlertState
    }

    public let file: String
    public let title: String
    public let story: String
    public let seconds: Int
    public let expectations: [Expectation]
    let seed: UInt64
    let conditions: @Sendable (Int, String) -> Conditions

    /// 2026-11-02T09:00:00Z: every scenario starts here.
    public static let start: Int64 = 1_793_610_000_000

    public func events() -> [MetricEvent] {
        var model = TrafficModel(rng: SplitMix64(seed: seed))
        return model.events(start: Self.start, seconds: seconds, conditions: conditions)
    }

    public func jsonLines() -> String {
        events().map(EventCodec.encode).joined(separator: "\n") + "\n"
    }

    /// Every change into or out of ALERT when the file is replayed with default settings.
    public func alertChanges() -> [AlertTransition] {
        var monitor = MetricsMonitor()
        var changes: [AlertTransition] = []
        _ = Recording(events: events()).play(into: &monitor) { snapshot in
            changes += snapshot.newTransitions.filter { !$0.isPending && ($0.to == .alert || $0.from == .alert) }
            return true
        }
        return changes
    }
}

func expect(_ second: Int, _ colo: String, _ metric: AlertMetric, _ state: AlertState) -> Scenario.Expectation {
    .init(second: second, colo: colo, metric: metric, state: state)
}
