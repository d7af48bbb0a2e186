import ArgumentParser
import MetricsServer

/// `edgewatch grafana`: a Grafana dashboard for the figures the console shows, over `/metrics`.
struct GrafanaCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "grafana",
        abstract: "Print a Grafana dashboard (JSON, for Dashboards → Import) of the console's figures and thresholds over /metrics."
    )

    @OptionGroup var metrics: MetricsOptions

    func run() throws {
        print(try GrafanaDashboard.render(table: try metrics.thresholdTable(), windowSeconds: try metrics.windowSeconds()), terminator: "")
    }
}
