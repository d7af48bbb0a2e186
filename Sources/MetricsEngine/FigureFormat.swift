import Foundation

/// How every figure is written, on screen, in reports, dumps and logs: any value that is not
/// zero keeps at least two significant digits (a microsecond never reads `0.0`), and the unit
/// decides the rest. Sorting never uses this text, only the values.
public enum FigureFormat {
    /// Milliseconds: `0`; below 0.1 ms in whole microseconds (`42µs`, `1µs`, the engine's
    /// resolution); then `0.42`, `4.20`, `12.3`, `191.5`, `1234`.
    public static func milliseconds(_ value: Double) -> String {
        guard value.isFinite else { return "—" }
        guard value > 0 else { return "0" }
        let micros = (value * 1000).rounded()
        if micros < 100 { return "\(Int(max(1, micros)))µs" }
        if value < 9.995 { return String(format: "%.2f", value) }
        if value < 999.95 { return String(format: "%.1f", value) }
        return String(format: "%.0f", value)
    }

    /// A percentage or a rate: one decimal from 1 up (`4.2`, `66.9`, `100.0`), two significant
    /// digits below (`0.42`, `0.042`), and below a thousandth in short scientific form (`4.2e-5`).
    public static func decimal(_ value: Double) -> String {
        guard value.isFinite else { return "—" }
        guard value > 0 else { return "0.0" }
        if value >= 0.995 { return String(format: "%.1f", value) }
        if value < 0.000995 {
            let text = String(format: "%.1e", value)
            // `4.2e-05` → `4.2e-5`
            return text.replacingOccurrences(of: "e-0", with: "e-")
        }
        let decimals = 1 - Int(floor(log10(value)))
        let text = String(format: "%.\(decimals)f", value)
        // 0.0996 rounds to 0.100: one digit fewer keeps two significant ones.
        return text.hasPrefix("0.100") || text.hasPrefix("0.0100") || text.hasPrefix("0.00100") ? String(format: "%.\(decimals - 1)f", value) : text
    }

    /// A rate per second that fits six cells: `4.2`, `1234.5`, then `12.3k`, `1.2M`.
    public static func rate(_ value: Double) -> String {
        guard value.isFinite, value >= 9_999.95 else { return decimal(value) }
        return value < 999_950 ? String(format: "%.1fk", value / 1000) : String(format: "%.1fM", value / 1_000_000)
    }

    /// A figure in `metric`'s unit.
    public static func value(_ value: Double, unit: String) -> String {
        unit == "ms" ? milliseconds(value) : decimal(value)
    }

    /// `value` with `extra` more decimals than ``value(_:unit:)`` gives: for a figure that rounds
    /// onto a level it is not on (79.96 ms is under an 80 ms target; `80.0` would not say so).
    public static func value(_ value: Double, unit: String, extraDigits extra: Int) -> String {
        let text = Self.value(value, unit: unit)
        guard extra > 0, value.isFinite, value > 0, !text.contains("e") else { return text }
        if text.hasSuffix("µs") { return String(format: "%.\(extra)fµs", value * 1000) }
        let decimals = text.split(separator: ".").dropFirst().first?.count ?? 0
        return String(format: "%.\(decimals + extra)f", value)
    }

    /// The number a figure's text stands for, in its unit (`42µs` is 0.042 ms).
    public static func parse(_ text: String) -> Double? {
        text.hasSuffix("µs") ? Double(text.dropLast(2)).map { $0 / 1000 } : Double(text)
    }
}
