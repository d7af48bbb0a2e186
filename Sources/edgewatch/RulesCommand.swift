import ArgumentParser
import MetricsServer

/// `edgewatch rules`: the Prometheus rule file for the thresholds the console judges by.
struct RulesCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "rules",
        abstract: "Print Prometheus recording and alerting rules from the console's thresholds (load them with rule_files)."
    )

    @OptionGroup var metrics: MetricsOptions

    func run() throws {
        print(PrometheusRules.render(table: try metrics.thresholdTable(), windowSeconds: try metrics.windowSeconds()), terminator: "")
    }
}
