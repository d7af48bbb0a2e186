import Foundation
import MetricsEngine

/// How figures and states are written: colour is never the only signal, so every state has a
/// symbol, and thin data is grey with its n.
enum FigureText {
    static func symbol(_ state: AlertState) -> String {
        switch state {
        case .ok: "✓"
        case .warn: "▲"
        case .alert: "✖"
        }
    }

    static func style(_ state: AlertState) -> Style {
        switch state {
        case .ok: Style(color: .green)
        case .warn: Style(color: .yellow, bold: true)
        case .alert: Style(color: .red, bold: true)
        }
    }

    static func number(_ value: Double, digits: Int) -> String {
        String(format: "%.\(digits)f", value)
    }

    /// A figure as table text and style: `12.3✓`, `n=5` (grey) or `—` (grey).
    static func cell(_ figure: Figure, state: AlertState?, digits: Int = 1) -> (String, Style) {
        guard let value = figure.value else { return ("—", .muted) }
        guard figure.sufficient else { return ("n=\(figure.n)", .muted) }
        let text = number(value, digits: digits)
        guard let state else { return (text, .plain) }
        return (text + symbol(state), style(state))
    }

    /// Milliseconds with sensible digits: `0.42`, `12.3`, `1234`.
    static func milliseconds(_ value: Double) -> String {
        value < 10 ? number(value, digits: 2) : value < 1000 ? number(value, digits: 1) : number(value, digits: 0)
    }

    /// `HH:MM:SS` UTC.
    static func clock(_ millis: Int64) -> String { TextReport.clock(millis) }

    static func rightAligned(_ text: String, _ width: Int) -> String {
        text.count >= width ? text : String(repeating: " ", count: width - text.count) + text
    }
}
