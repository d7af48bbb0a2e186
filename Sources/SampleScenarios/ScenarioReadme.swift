import MetricsEngine

extension SampleScenarios {
    /// `sample-metrics/README.md`, written from the scenarios themselves so it cannot drift.
    public static func readme() -> String {
        var text = """
        # sample-metrics

        Recorded metric events, one JSON object per line (the worker's `emitMetric` payload plus
        `cpuMs`). Each file covers five minutes from 2026-11-02T09:00:00Z across six colos (LHR, FRA,
        IAD, SJC, SIN, SYD), about 12 events a second.

        The files are generated, deterministically, by:

            swift run edgewatch sample-metrics --out sample-metrics

        and a test checks that the committed files equal that output. Times below are offsets from
        the start (m:ss). "The dashboard shows" lists promises a test checks by replaying the file
        with the default settings (60 s window, 10 s pending period, 10 % hysteresis, n ≥ 20).
        Replay one with `edgewatch report sample-metrics/FILE --at +2m30s`.

        """
        for scenario in all {
            text += "\n## `\(scenario.file)`: \(scenario.title)\n\n\(scenario.story)\n\nThe dashboard shows:\n"
            for e in scenario.expectations {
                text += "- at \(clock(e.second)), \(e.colo) \(e.metric.title): **\(e.state.rawValue)**\n"
            }
            let changes = scenario.alertChanges()
            text += "\nAlerts that fire or clear:\n"
            if changes.isEmpty { text += "- none\n" }
            for change in changes {
                let second = Int((change.time - Scenario.start) / 1000)
                text += "- \(clock(second)) \(change.colo) \(change.metric.title): \(change.from.rawValue) → \(change.to.rawValue)\n"
            }
        }
        return text
    }

    static func clock(_ seconds: Int) -> String {
        "\(seconds / 60):" + (seconds % 60 < 10 ? "0" : "") + "\(seconds % 60)"
    }
}
