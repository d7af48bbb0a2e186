import ArgumentParser
import Foundation
import LookupCore
import MetricsEngine

/// Options of the metrics engine.
struct MetricsOptions: ParsableArguments {
    @Option(help: ArgumentHelp("Sliding window, 10s to 15m (e.g. 60s, 5m).", valueName: "DURATION"))
    var window = "\(MetricsWindow.defaultSeconds)s"

    @Option(help: ArgumentHelp("JSON file overriding thresholds, pending period, hysteresis or minimum samples (see docs/metrics.md).", valueName: "FILE"))
    var thresholds: String?

    func validate() throws {
        _ = try windowSeconds()
        _ = try thresholdTable()
    }

    func windowSeconds() throws -> Int {
        guard let seconds = DurationText.seconds(window), MetricsWindow.windowRange.contains(seconds) else {
            throw ValidationError("--window must be a duration from 10s to 15m, such as 60s or 5m (got \"\(window)\")")
        }
        return seconds
    }

    func thresholdTable() throws -> ThresholdTable {
        guard let thresholds else { return ThresholdTable() }
        do {
            return try ThresholdTable.load(contentsOf: URL(fileURLWithPath: thresholds))
        } catch let error as ThresholdFileError {
            throw ValidationError(error.description)
        } catch {
            throw ValidationError("cannot read the thresholds file \(thresholds): \(error.localizedDescription)")
        }
    }

    func monitor() throws -> MetricsMonitor {
        MetricsMonitor(windowSeconds: try windowSeconds(), thresholds: try thresholdTable())
    }
}
