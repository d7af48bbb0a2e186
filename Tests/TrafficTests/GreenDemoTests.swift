import FaultCatalog
import Foundation
import LookupCore
import DemoWorld
import MetricsEngine
import TestSupport
import Testing
import Traffic

/// The default demo (`swift run edgewatch`) on a virtual clock: its callers, colos, distances and
/// warm caches, the real lookup flow and the real engine with the default thresholds.
@Suite("The demo starts green, and each fault key shows")
struct GreenDemoTests {
    static func demo(seed: UInt64) -> VirtualDemo {
        var settings = VirtualDemo.Settings(distances: DemoWorld.distances)
        settings.seed = seed
        return VirtualDemo(settings)
    }

    @Test("With no faults every colo and ALL is OK within 60 s of start and stays OK for 10 minutes", arguments: [1, 2, 3] as [UInt64])
    func green(seed: UInt64) async {
        var notOK: [String] = []
        var changes: [AlertTransition] = []
        var lowest = 100.0
        let demo = Self.demo(seed: seed)
        defer { #expect(demo.stuck.load(ordering: .relaxed) == 0) }
        await demo.run(seconds: 660) { second, snapshot in
            changes += snapshot.newTransitions
            guard second >= 60 else { return }
            #expect(snapshot.colos.count == ColoMix.defaultColos.count)
            for row in snapshot.colos + [snapshot.all] where row.shownWorst != .ok {
                notOK.append("\(second)s \(row.colo) \(row.shownWorst.rawValue): \(TextReport.describe(snapshot.recentTransitions.prefix(3).reversed()))")
            }
            lowest = min(lowest, snapshot.colos.compactMap(\.figures.cacheHitRate.value).min() ?? 0)
        }
        #expect(notOK.isEmpty, "\(notOK.prefix(5))")
        // Never a WARN or an ALERT, not even pending: only ALL's first events (NO DATA → OK).
        #expect(changes.allSatisfy { $0.to == .ok }, "\(TextReport.describe(changes).prefix(5))")
        // With room to spare: the lowest colo's hit rate stays well over the 60 % target.
        #expect(lowest > 66, "lowest hit rate \(lowest)")
    }

    static let faults: [(FaultKind, AlertMetric)] = [
        (.errors, .crmErrorRate), (.latency, .p95Latency), (.timeouts, .crmErrorRate), (.malformed, .crmErrorRate),
        (.trickle, .crmErrorRate), (.rateLimited, .crmErrorRate), (.down, .crmErrorRate),
    ]

    @Test("Each fault key turns its figure to WARN or ALERT within the pending period plus the window; 0 brings every row back to OK", arguments: faults)
    func fault(kind: FaultKind, metric: AlertMetric) async {
        var plan = FaultPlan.none
        plan.toggle(kind)
        let faulty = plan
        let (on, off) = (120, 300)
        let table = ThresholdTable()
        let reached = (on + table.pendingSeconds + 60)
        var seen: AlertState?
        var firstBad: Int?
        var lastNotOK = 0
        await Self.demo(seed: 11).run(seconds: 480, faults: { (on..<off).contains($0) ? faulty : .none }) { second, snapshot in
            let state = snapshot.all.state(metric)
            if second >= on, second < off, state >= .warn, firstBad == nil { firstBad = second }
            if second == reached { seen = state }
            if second > off, (snapshot.colos + [snapshot.all]).contains(where: { $0.shownWorst != .ok }) { lastNotOK = second }
        }
        #expect(seen.map { $0 >= .warn } == true, "\(kind): ALL's \(metric.rawValue) was \(seen?.rawValue ?? "?") at \(reached) s")
        #expect(firstBad.map { $0 <= reached } == true)
        // Errors leave the window after 60 s; the way back waits out the pending period.
        #expect(lastNotOK <= off + 60 + 2 * table.pendingSeconds + 5, "\(kind): not all OK until \(lastNotOK) s")
    }
}
