import Foundation
import LookupCore
import MetricsEngine
import SampleScenarios
import Testing

@Suite("sample-metrics")
struct SampleScenariosTests {
    static let folder = URL(fileURLWithPath: #filePath)
        .deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
        .appendingPathComponent("sample-metrics")

    @Test("The committed README equals the generator's output")
    func readme() throws {
        let committed = try String(contentsOf: Self.folder.appendingPathComponent("README.md"), encoding: .utf8)
        #expect(committed == SampleScenarios.readme(), "run: swift run edgewatch sample-metrics --out sample-metrics")
    }

    @Test("Each committed file equals the generator's output, and replays to the promised states",
          arguments: SampleScenarios.all.map(\.file))
    func scenario(file: String) throws {
        let scenario = try #require(SampleScenarios.all.first { $0.file == file })
        let committed = try Data(contentsOf: Self.folder.appendingPathComponent(file))
        #expect(committed == Data(scenario.jsonLines().utf8), "run: swift run edgewatch sample-metrics --out sample-metrics")

        let recording = Recording(jsonLines: committed)
        #expect(recording.errors.isEmpty)
        let colos = Set(recording.events.map(\.colo))
        #expect(colos.count >= 5)
        #expect(recording.lastMillis! - recording.firstMillis! >= 4 * 60_000)

        var monitor = MetricsMonitor()
        var states: [Int: MetricsSnapshot] = [:]
        let wanted = Set(scenario.expectations.map(\.second))
        _ = recording.play(into: &monitor) { snapshot in
            let second = Int((snapshot.generatedAt - Scenario.start) / 1000)
            if wanted.contains(second) { states[second] = snapshot }
            return true
        }
        for expectation in scenario.expectations {
            let snapshot = try #require(states[expectation.second])
            let row = try #require((snapshot.colos + [snapshot.all]).first { $0.colo == expectation.colo })
            #expect(row.state(expectation.metric) == expectation.state,
                    "\(file) at \(expectation.second)s: \(expectation.colo) \(expectation.metric.rawValue)")
        }
    }

    @Test("Generation is deterministic")
    func deterministic() {
        let scenario = SampleScenarios.all[0]
        #expect(scenario.jsonLines() == scenario.jsonLines())
    }
}
