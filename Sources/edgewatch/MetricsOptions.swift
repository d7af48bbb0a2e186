import ArgumentParser
import Foundation
import MetricsEngine

/// Options of the metrics engine.
struct MetricsOptions: ParsableArguments {
    @Option(help: ArgumentHelp("Sliding window, 10s to 15m (e.g. 60s, 5m).", valueName: "DURATION"))
    var window: String = "60s"

    @Option(help: ArgumentHelp("JSON file overriding thresholds, pending period, hysteresis or minimum samples (see README).", valueName: "FILE"))
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

/// Durations written as `90`, `90s`, `5m`, `2m30s`, `1h` or `250ms` (a bare number is seconds).
enum DurationText {
    static func seconds(_ text: String) -> Int? {
        milliseconds(text).map { Int(($0 / 1000).rounded()) }
    }

    static func milliseconds(_ text: String) -> Double? {
        let text = text.trimmingCharacters(in: .whitespaces).lowercased()
        if let plain = Double(text) { return plain >= 0 ? plain * 1000 : nil }
        var total = 0.0
        var number = ""
        var rest = Substring(text)
        guard !rest.isEmpty else { return nil }
        while let first = rest.first {
            if first.isNumber || first == "." {
                number.append(first)
                rest = rest.dropFirst()
                continue
            }
            let unit: (String, Double)? = [("ms", 1.0), ("s", 1000.0), ("m", 60_000.0), ("h", 3_600_000.0)]
                .first { rest.hasPrefix($0.0) }
            guard let unit, let value = Double(number) else { return nil }
            total += value * unit.1
            number = ""
            rest = rest.dropFirst(unit.0.count)
        }
        return number.isEmpty ? total : nil
    }
}
