/// Small helpers for writing JSON text by hand on the hot path, where a general encoder
/// would cost more than the whole cache-hit lookup.
public enum JSONText {
    /// `value` as a JSON string literal, quotes included.
    public static func quoted(_ value: String) -> String {
        "\"" + escaped(value) + "\""
    }

    /// `value` as the inside of a JSON string literal, without the quotes.
    public static func escaped(_ value: String) -> String {
        var out = ""
        out.reserveCapacity(value.utf8.count)
        for scalar in value.unicodeScalars {
            switch scalar {
            case "\"": out += "\\\""
            case "\\": out += "\\\\"
            case "\n": out += "\\n"
            case "\r": out += "\\r"
            case "\t": out += "\\t"
            case _ where scalar.value < 0x20:
                let hex = String(scalar.value, radix: 16)
                out += "\\u" + String(repeating: "0", count: 4 - hex.count) + hex
            default: out.unicodeScalars.append(scalar)
            }
        }
        return out
    }

    /// A millisecond figure with three decimals (microsecond resolution), e.g. `0.042`.
    public static func milliseconds(_ value: Double) -> String {
        MillisecondsText(value).text
    }

    /// `{"error": message}`, the body of every error response.
    public static func errorObject(_ message: String) -> String {
        "{\"error\":" + quoted(message) + "}"
    }
}
