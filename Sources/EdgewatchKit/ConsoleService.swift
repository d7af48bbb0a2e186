import Console
import CursesTerminal
import Foundation
import ServiceLifecycle

/// The dashboard as a service: owns the terminal on the main actor, polls keys, takes the feed's
/// input about four times a second, and never blocks on the server: effects run on an
/// ``EffectQueue`` and come back as results. Everything it learns goes through the state's
/// reducer (`handle`, `receive`); the screen is rendered from the state alone.
public struct ConsoleService: Service {
    let mode: Mode
    let feed: any DashboardFeed
    let actions: any DashboardActions
    let configuration: ConsoleConfiguration

    public func run() async throws {
        try await loop()
    }

    @MainActor
    private func loop() async throws {
        let terminal = try CursesTerminal(noColor: configuration.noColor, term: ProcessInfo.processInfo.environment["TERM"] ?? "")
        defer { terminal.close() }
        let effects = EffectQueue(actions: actions)
        defer { effects.close() }
        var state = DashboardState(mode: mode, capabilities: feed.capabilities, logFile: configuration.logFile.path)
        // Input on a fixed 250 ms schedule (not 250 ms after the last one, which drifts to about
        // 3.6 a second with the key polling in between).
        var nextTick = ContinuousClock.now
        while !Task.isShuttingDownGracefully && !Task.isCancelled {
            var dirty = false
            // Effects run off this loop; it only queues them and takes in their results.
            while let key = terminal.nextKey() {
                dirty = true
                for effect in state.handle(key) {
                    if effect == .quit { return }
                    // A dump is of the screen as drawn: rendered here, on the effect side.
                    let screen = effect == .dump ? state.screenSize.map { DashboardView.render(state, width: $0.width, height: $0.height).text } : nil
                    if !effects.submit(effect, screen: screen) { state.refused(effect) }
                }
            }
            for result in effects.takeResults() {
                dirty = true
                state.receive(result)
            }
            let now = ContinuousClock.now
            // A colo just opened up close is fetched now, not at the next tick.
            if now >= nextTick || state.needsDetail {
                if now >= nextTick {
                    nextTick = nextTick + .milliseconds(250) > now ? nextTick + .milliseconds(250) : now + .milliseconds(250)
                }
                state.receive(feed.input(detailColo: state.detailColo))
                dirty = true
            }
            if dirty {
                let size = terminal.size
                state.resize(ScreenSize(width: size.width, height: size.height))
                terminal.draw(DashboardView.render(state, width: size.width, height: size.height))
            }
            try? await Task.sleep(until: min(nextTick, ContinuousClock.now + .milliseconds(30)), clock: .continuous)
        }
    }
}
