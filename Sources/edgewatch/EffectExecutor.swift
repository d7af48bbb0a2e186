import CRMSimulator
import Console
import LookupCore
import MetricsEngine
import Traffic

/// Carries out what keys ask for, against the real caches, simulator, monitor and traffic.
struct EffectExecutor {
    let caches: ColoCaches?
    let simulator: CRMSimulator?
    let monitor: LiveMonitor
    let traffic: TrafficDriver?

    /// Returns false when the effect is to quit.
    @MainActor
    func run(_ effect: Effect, state: inout DashboardState) async -> Bool {
        switch effect {
        case .quit:
            return false
        case .flush(let colo):
            guard let caches else { return true }
            let dropped = caches.flush(colo: colo.flatMap { Colo($0) })
            state.note(.flush, "flushed \(colo.map { "\($0)'s cache" } ?? "all caches"): \(dropped) entries")
        case .toggleFault(let kind):
            guard let simulator else {
                state.notice = "faults work only with the embedded CRM simulator (no --crm-url)"
                return true
            }
            var plan = simulator.faults
            plan.toggle(kind)
            await apply(plan, to: simulator, state: &state, change: "\(kind.rawValue) \(plan.has(kind) ? "on" : "off")")
        case .clearFaults:
            guard let simulator else { return true }
            await apply(.none, to: simulator, state: &state, change: "all faults cleared")
        case .setWindow(let seconds):
            monitor.setWindow(seconds: seconds)
            state.note(.info, "window set to \(seconds)s", mark: false)
        case .scaleTraffic(let factor):
            guard let traffic else { return true }
            traffic.setRate(traffic.rate * factor)
            state.trafficRate = traffic.rate
        }
        return true
    }

    @MainActor
    private func apply(_ plan: FaultPlan, to simulator: CRMSimulator, state: inout DashboardState, change: String) async {
        do {
            try await simulator.setFaults(plan)
            state.faults = plan.labels
            state.note(.fault, "CRM fault: " + change)
        } catch {
            state.notice = "could not change faults: \(error)"
        }
    }
}

extension FaultPlan {
    /// The dashboard's preset for each fault key.
    mutating func toggle(_ kind: FaultKind) {
        switch kind {
        case .errors: error = error == nil ? .init(probability: 0.5, status: 503) : nil
        case .latency: latency = latency == nil ? .init(probability: 1, milliseconds: 800, jitterMilliseconds: 200) : nil
        case .timeouts: hang = hang == nil ? .init(probability: 1, seconds: 30) : nil
        case .malformed: malformed = malformed == nil ? .init(probability: 1) : nil
        case .down: down.toggle()
        }
    }

    func has(_ kind: FaultKind) -> Bool {
        switch kind {
        case .errors: error != nil
        case .latency: latency != nil
        case .timeouts: hang != nil
        case .malformed: malformed != nil
        case .down: down
        }
    }
}
