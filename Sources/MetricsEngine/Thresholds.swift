import Foundation

/// A metric that has a target and an alert threshold.
public enum AlertMetric: String, CaseIterable, Codable, Sendable {
    case p50Latency = "p50_latency"
    case p95Latency = "p95_latency"
    case cacheHitRate = "cache_hit_rate"
    case crmErrorRate = "crm_error_rate"
    case cpuTime = "cpu_time"

    public var title: String {
        switch self {
        case .p50Latency: "p50 latency"
        case .p95Latency: "p95 latency"
        case .cacheHitRate: "Cache hit rate"
        case .crmErrorRate: "CRM error rate"
        case .cpuTime: "CPU time (p95)"
        }
    }

    public var unit: String {
        switch self {
        case .p50Latency, .p95Latency, .cpuTime: "ms"
        case .cacheHitRate, .crmErrorRate: "%"
        }
    }

    /// True when bigger values are better (hit rate).
    public var higherIsBetter: Bool { self == .cacheHitRate }

    /// The figure this metric is judged on.
    public func figure(in figures: ColoFigures) -> Figure {
        switch self {
        case .p50Latency: figures.p50LatencyMs
        case .p95Latency: figures.p95LatencyMs
        case .cacheHitRate: figures.cacheHitRate
        case .crmErrorRate: figures.crmErrorRate
        case .cpuTime: figures.cpuP95Ms
        }
    }
}

/// A target to meet and an alert level, in the metric's unit.
public struct Threshold: Codable, Sendable, Equatable {
    public var target: Double
    public var alert: Double

    public init(target: Double, alert: Double) {
        self.target = target
        self.alert = alert
    }
}

/// The thresholds and the rules for alert states. Defaults are the seed's table.
public struct ThresholdTable: Codable, Sendable, Equatable {
    public var p50Latency = Threshold(target: 30, alert: 100)
    public var p95Latency = Threshold(target: 80, alert: 300)
    public var cacheHitRate = Threshold(target: 60, alert: 30)
    public var crmErrorRate = Threshold(target: 1, alert: 5)
    public var cpuTime = Threshold(target: 8, alert: 40)
    /// Seconds a value must point to a new state (past the target for WARN, the alert level for
    /// ALERT, back past an exit level for a better state) before the state changes; also the
    /// least time between two changes of one (colo, metric).
    public var pendingSeconds = 10
    /// How far past a level (target or alert) a value must come back to leave the state that level
    /// leads into, as a fraction of the level (capped halfway to 100 % for percentages).
    public var hysteresis = 0.10
    /// Figures with fewer samples are "insufficient data" and do not move alert states.
    public var minimumSamples = 20
    /// Seconds without an event after which a colo (or ALL) is NO DATA; nil for the default,
    /// ``noDataAfterSeconds``.
    public var noDataSeconds: Int?

    /// The least default no-data time: reporters post once a second, and a colo with a few
    /// lookups a second must not flicker into NO DATA between two of them.
    public static let minimumDefaultNoDataSeconds = 5

    /// Seconds without an event after which a colo is NO DATA: `noDataSeconds`, or by default
    /// the pending period (at least ``minimumDefaultNoDataSeconds``).
    public var noDataAfterSeconds: Int { noDataSeconds ?? max(pendingSeconds, Self.minimumDefaultNoDataSeconds) }

    public init() {}

    public subscript(metric: AlertMetric) -> Threshold {
        switch metric {
        case .p50Latency: p50Latency
        case .p95Latency: p95Latency
        case .cacheHitRate: cacheHitRate
        case .crmErrorRate: crmErrorRate
        case .cpuTime: cpuTime
        }
    }

    /// Reads a JSON file; keys left out keep their defaults.
    public static func load(contentsOf url: URL) throws -> ThresholdTable {
        let attributes = try FileManager.default.attributesOfItem(atPath: url.path)
        guard attributes[.type] as? FileAttributeType == .typeRegular else {
            throw ThresholdFileError("\(url.path) is not a regular file")
        }
        guard (attributes[.size] as? Int ?? 0) <= maximumFileBytes else {
            throw ThresholdFileError("\(url.path) is over \(maximumFileBytes / 1024) KiB; a thresholds file is a few lines")
        }
        let data = try Data(contentsOf: url)
        let table: ThresholdTable
        do {
            table = try JSONDecoder().decode(ThresholdTable.self, from: data)
        } catch {
            throw ThresholdFileError("\(url.path) is not a valid thresholds file: \(error)")
        }
        if let problem = table.problem { throw ThresholdFileError("\(url.path): \(problem)") }
        return table
    }

    /// A reason the table cannot be used, or nil. Every number is bounded, so no later
    /// arithmetic or display of it can overflow.
    public var problem: String? {
        for metric in AlertMetric.allCases {
            let t = self[metric]
            let range: ClosedRange<Double> = metric.unit == "%" ? 0...100 : 0...3_600_000
            guard t.target.isFinite, t.alert.isFinite, range.contains(t.target), range.contains(t.alert) else {
                return "\(metric.rawValue): target and alert must be numbers from 0 to \(metric.unit == "%" ? "100 (%)" : "3600000 (ms)")"
            }
            let ordered = metric.higherIsBetter ? t.alert < t.target : t.alert > t.target
            if !ordered { return "\(metric.rawValue): the alert level must be worse than the target" }
        }
        if !(0...3_600).contains(pendingSeconds) { return "pendingSeconds must be 0 to 3600" }
        if !(0..<1).contains(hysteresis) { return "hysteresis must be in 0..<1" }
        if !(1...1_000_000).contains(minimumSamples) { return "minimumSamples must be 1 to 1000000" }
        if let noDataSeconds, !(1...86_400).contains(noDataSeconds) { return "noDataSeconds must be 1 to 86400" }
        return nil
    }

    /// The largest thresholds file read.
    public static let maximumFileBytes = 64 * 1024

    enum CodingKeys: String, CodingKey {
        case p50Latency = "p50_latency", p95Latency = "p95_latency", cacheHitRate = "cache_hit_rate"
        case crmErrorRate = "crm_error_rate", cpuTime = "cpu_time"
        case pendingSeconds, hysteresis, minimumSamples, noDataSeconds
    }

    public init(from decoder: any Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        self.init()
        p50Latency = try c.decodeIfPresent(Threshold.self, forKey: .p50Latency) ?? p50Latency
        p95Latency = try c.decodeIfPresent(Threshold.self, forKey: .p95Latency) ?? p95Latency
        cacheHitRate = try c.decodeIfPresent(Threshold.self, forKey: .cacheHitRate) ?? cacheHitRate
        crmErrorRate = try c.decodeIfPresent(Threshold.self, forKey: .crmErrorRate) ?? crmErrorRate
        cpuTime = try c.decodeIfPresent(Threshold.self, forKey: .cpuTime) ?? cpuTime
        pendingSeconds = try c.decodeIfPresent(Int.self, forKey: .pendingSeconds) ?? pendingSeconds
        hysteresis = try c.decodeIfPresent(Double.self, forKey: .hysteresis) ?? hysteresis
        minimumSamples = try c.decodeIfPresent(Int.self, forKey: .minimumSamples) ?? minimumSamples
        noDataSeconds = try c.decodeIfPresent(Int.self, forKey: .noDataSeconds)
    }
}

public struct ThresholdFileError: Error, CustomStringConvertible {
    public let description: String
    init(_ description: String) { self.description = description }
}
