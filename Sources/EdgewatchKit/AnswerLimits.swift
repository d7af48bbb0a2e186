import Foundation

/// What an answer from another edgewatch may hold before it is decoded and shown. A server (or
/// anyone between it and a console on plain HTTP) could send JSON that decodes into the snapshot's
/// types but that no edgewatch produces: a nesting deep enough to exhaust a recursive parser, a
/// count near `Int64.min` that overflows the screen's arithmetic, a name holding terminal escapes.
/// Everything an edgewatch sends is far inside these bounds. Pure.
enum AnswerLimits {
    /// Arrays and objects inside one another (a snapshot nests 6 deep).
    static let maximumDepth = 16
    /// Elements of one array or object (a snapshot holds at most 1,000 changes, 65 rows).
    static let maximumElements = 4_096
    /// Every number: a count, a time in epoch milliseconds, a figure. None is negative.
    static let maximumNumber = 1e15
    /// Characters of one string or key.
    static let maximumString = 1_024

    /// Why `data` is not an answer an edgewatch would send, or nil when it may be decoded.
    static func problem(in data: Data) -> String? {
        if let problem = depthProblem(data) { return problem }
        // What does not parse is left to the decoder, which says so.
        guard let value = try? JSONSerialization.jsonObject(with: data, options: [.fragmentsAllowed]) else { return nil }
        return problem(in: value)
    }

    /// Nesting, counted over the bytes (strings skipped), before any parser recurses into it.
    static func depthProblem(_ data: Data) -> String? {
        var depth = 0
        var inString = false
        var escaped = false
        for byte in data {
            if inString {
                if escaped { escaped = false } else if byte == UInt8(ascii: "\\") { escaped = true } else if byte == UInt8(ascii: "\"") { inString = false }
                continue
            }
            switch byte {
            case UInt8(ascii: "\""): inString = true
            case UInt8(ascii: "["), UInt8(ascii: "{"):
                depth += 1
                if depth > maximumDepth { return "an answer nested deeper than \(maximumDepth)" }
            case UInt8(ascii: "]"), UInt8(ascii: "}"): depth -= 1
            default: break
            }
        }
        return nil
    }

    static func problem(in value: Any) -> String? {
        switch value {
        case let array as [Any]:
            guard array.count <= maximumElements else { return "an answer with a list of \(array.count) elements" }
            for element in array { if let problem = problem(in: element) { return problem } }
        case let object as [String: Any]:
            guard object.count <= maximumElements else { return "an answer with an object of \(object.count) fields" }
            for (key, element) in object {
                if let problem = stringProblem(key) ?? problem(in: element) { return problem }
            }
        case let text as String:
            return stringProblem(text)
        case let number as NSNumber:
            let double = number.doubleValue
            guard double.isFinite, double >= 0, double <= maximumNumber else { return "an answer with a number out of range" }
        default:
            break
        }
        return nil
    }

    static func stringProblem(_ text: String) -> String? {
        guard text.utf8.count <= maximumString else { return "an answer with a text of \(text.utf8.count) bytes" }
        guard !text.unicodeScalars.contains(where: isControl) else { return "an answer with control characters" }
        return nil
    }

    static func isControl(_ scalar: Unicode.Scalar) -> Bool {
        scalar.value < 0x20 || (0x7F...0x9F).contains(scalar.value)
    }

    /// `text` with every control character replaced, for a server's message shown on a terminal.
    static func printable(_ text: String) -> String {
        String(String.UnicodeScalarView(text.unicodeScalars.map { isControl($0) ? "?" : $0 }))
    }
}
