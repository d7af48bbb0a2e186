import Foundation

/// Durations written as `90`, `90s`, `5m`, `2m30s`, `1h`, `7d` or `250ms` (a bare number is seconds).
/// Anything negative, not finite, or longer than ten years is not a duration (nil), so every
/// caller can convert the result to an integer without a check.
public enum DurationText {
    /// The longest duration taken: ten years, far past every real setting.
    public static let maximumMillis = 10.0 * 365 * 86_400_000

    public static func seconds(_ text: String) -> Int? {
        milliseconds(text).map { Int(($0 / 1000).rounded()) }
    }

    public static func milliseconds(_ text: String) -> Double? {
        parse(text).flatMap { $0.isFinite && $0 >= 0 && $0 <= maximumMillis ? $0 : nil }
    }

    /// `millis` written the way a flag takes it, in the largest whole unit: `24h`, `5m`, `30s`,
    /// `500ms`, `0`.
    public static func text(millis: Int64) -> String {
        guard millis > 0 else { return "0" }
        for (unit, size) in [("h", Int64(3_600_000)), ("m", 60_000), ("s", 1000)] where millis % size == 0 {
            return "\(millis / size)\(unit)"
        }
        return "\(millis)ms"
    }

    private static func parse(_ text: String) -> Double? {
        let text = text.trimmingCharacters(in: .whitespaces).lowercased()
        if let plain = Double(text) { return plain * 1000 }
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
            let unit: (String, Double)? = [("ms", 1.0), ("s", 1000.0), ("m", 60_000.0), ("h", 3_600_000.0), ("d", 86_400_000.0)]
                .first { rest.hasPrefix($0.0) }
            guard let unit, let value = Double(number) else { return nil }
            total += value * unit.1
            number = ""
            rest = rest.dropFirst(unit.0.count)
        }
        return number.isEmpty ? total : nil
    }
}
