import Foundation
import MetricsEngine

/// How figures and states are written: colour is never the only signal, so every state has a
/// symbol, and thin data is grey with its n.
///
/// The mark beside a number is where that number sits against the levels shown (✓ inside the
/// target, ▲ past it, ✖ past the alert level), so it always agrees with the number. The state
/// held can differ for a while: a number past a level waits out the pending period, and one
/// back inside it waits out the pending period past the hysteresis margin. Then the mark ends
/// in `…`, and the STATE column (and the thresholds panel) say what is held and why.
enum FigureText {
    static func symbol(_ state: AlertState) -> String {
        switch state {
        case .ok: "✓"
        case .warn: "▲"
        case .alert: "✖"
        case .noData: "·"
        }
    }

    static func style(_ state: AlertState) -> Style {
        switch state {
        case .ok: Style(color: .green)
        case .warn: Style(color: .yellow, bold: true)
        case .alert: Style(color: .red, bold: true)
        case .noData: .muted
        }
    }

    static func style(_ state: ShownState) -> Style {
        switch state {
        case .ok: Style(color: .green)
        case .lowData, .noData: .muted
        case .warn: Style(color: .yellow, bold: true)
        case .alert: Style(color: .red, bold: true)
        }
    }

    /// The mark that says a state is not yet what the number says.
    static let waiting = "…"

    static func number(_ value: Double, digits: Int) -> String {
        String(format: "%.\(digits)f", value)
    }

    /// A figure in its unit: milliseconds, or a percentage or rate.
    static func value(_ value: Double, unit: String) -> String {
        FigureFormat.value(value, unit: unit)
    }

    /// A figure with no threshold, as table text and style: `12.3`, `n=5` (grey) or `—` (grey).
    static func cell(_ figure: Figure, unit: String) -> (String, Style) {
        guard let value = figure.value else { return ("—", .muted) }
        guard figure.sufficient else { return ("n=\(figure.n)", .muted) }
        return (unit == "/s" ? FigureFormat.rate(value) : Self.value(value, unit: unit), .plain)
    }

    /// `metric`'s figure in `row`, as table text and style: `12.3✓`, `191.5▲…` (past the target,
    /// still OK while the pending period runs), `n=5` (grey) or `—` (grey).
    static func cell(_ row: ColoRow, _ metric: AlertMetric, thresholds: ThresholdTable) -> (String, Style) {
        let figure = metric.figure(in: row.figures)
        guard let value = figure.value else { return ("—", .muted) }
        guard figure.sufficient else { return ("n=\(figure.n)", .muted) }
        let level = thresholds.level(of: value, for: metric)
        let held = row.state(metric)
        let text = shown(value, unit: metric.unit, level: level, metric: metric, thresholds: thresholds) + symbol(level)
        guard held == level else {
            var shown = style(level)
            shown.bold = false
            return (text + waiting, shown)
        }
        return (text, style(level))
    }

    /// `value` as text that is on the same side of every level as `value` itself: a digit more
    /// where rounding would put it onto a level (`79.96` beside `<80ms`, never `80.0✓`).
    static func shown(_ value: Double, unit: String, level: AlertState, metric: AlertMetric, thresholds: ThresholdTable) -> String {
        for extra in 0...3 {
            let text = FigureFormat.value(value, unit: unit, extraDigits: extra)
            if let read = FigureFormat.parse(text), thresholds.level(of: read, for: metric) == level { return text }
        }
        return FigureFormat.value(value, unit: unit, extraDigits: 3)
    }

    /// `HH:MM:SS` UTC.
    static func clock(_ millis: Int64) -> String { TextReport.clock(millis) }

    /// `m:ss`, or `h:mm:ss` from an hour: a position in a recording.
    static func duration(_ millis: Int64) -> String {
        let seconds = max(0, millis / 1000)
        let (h, m, s) = (seconds / 3600, seconds / 60 % 60, seconds % 60)
        return h > 0 ? String(format: "%d:%02d:%02d", h, m, s) : String(format: "%d:%02d", m, s)
    }

    /// A span in its largest unit, whole: `40s`, `12m`, `6h`, `3d`.
    static func span(_ millis: Int64) -> String {
        let seconds = max(0, millis / 1000)
        if seconds < 120 { return "\(seconds)s" }
        if seconds < 3_600 { return "\(seconds / 60)m" }
        if seconds < 172_800 { return "\(seconds / 3600)h" }
        return "\(seconds / 86_400)d"
    }

    static func rightAligned(_ text: String, _ width: Int) -> String {
        text.count >= width ? text : String(repeating: " ", count: width - text.count) + text
    }

    static func pad(_ text: String, _ width: Int) -> String {
        text.count >= width ? text : text + String(repeating: " ", count: width - text.count)
    }
}
