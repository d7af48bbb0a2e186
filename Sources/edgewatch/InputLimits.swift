import ArgumentParser
import Foundation
import Logging

/// Checks shared by the commands' `validate()`: every number and file from the command line is
/// bounded here, so nothing later converts or adds an unchecked value.
enum InputLimits {
    static func logLevel(_ text: String, flag: String = "--log-level") throws -> Logger.Level {
        guard let level = Logger.Level(rawValue: text.lowercased()) else {
            let names = Logger.Level.allCases.map(\.rawValue).joined(separator: ", ")
            throw ValidationError("\(flag) must be one of \(names), not \"\(text)\"")
        }
        return level
    }

    /// `text` as an http(s) URL with a host, at most 2 KiB, with no user or password (and, unless
    /// `allowQuery`, no query or fragment: where secrets hide); nil otherwise. Callers say why in
    /// their own words and never echo the URL back.
    static func httpURL(_ text: String, allowQuery: Bool = false) -> URLComponents? {
        guard text.utf8.count <= 2048, let components = URLComponents(string: text), components.user == nil, components.password == nil,
              allowQuery || (components.query == nil && components.fragment == nil),
              let scheme = components.scheme?.lowercased(), scheme == "http" || scheme == "https",
              let host = components.host, !host.isEmpty
        else { return nil }
        return components
    }

    /// A size such as `1GiB`, `500MiB`, `64KiB` or plain bytes (`k`, `M`, `G`, `T` are the same
    /// powers of 1024), within `range`.
    static func bytes(_ text: String, flag: String, in range: ClosedRange<Int64>) throws -> Int64 {
        let trimmed = text.trimmingCharacters(in: .whitespaces)
        let digits = trimmed.prefix { $0.isNumber || $0 == "." }
        let unit = trimmed.dropFirst(digits.count).trimmingCharacters(in: .whitespaces).lowercased()
        let (k, m, g, t): (Double, Double, Double, Double) = (1024, 1_048_576, 1_073_741_824, 1_099_511_627_776)
        let scales: [String: Double] = ["": 1, "b": 1, "k": k, "kb": k, "kib": k, "m": m, "mb": m, "mib": m, "g": g, "gb": g, "gib": g, "t": t, "tb": t, "tib": t]
        guard digits.count <= 20, let number = Double(digits), number.isFinite, let scale = scales[unit],
              case let value = (number * scale).rounded(), value >= Double(range.lowerBound), value <= Double(range.upperBound)
        else {
            throw ValidationError("\(flag) must be a size from \(range.lowerBound >> 10) KiB to \(range.upperBound >> 40) TiB, such as 1GiB or 500MiB (got \"\(String(text.prefix(32)))\")")
        }
        return Int64(value)
    }

    static func port(_ value: Int, flag: String) throws {
        guard (0...65_535).contains(value) else { throw ValidationError("\(flag) must be 0...65535, not \(value)") }
    }

    /// A finite number in `range`, or a message naming the flag.
    static func number(_ value: Double, in range: ClosedRange<Double>, flag: String) throws {
        guard value.isFinite, range.contains(value) else {
            throw ValidationError("\(flag) must be a number from \(plain(range.lowerBound)) to \(plain(range.upperBound)), not \(value)")
        }
    }

    /// Reads a whole regular file of at most `limit` bytes (or stdin for `-`), with a plain error.
    static func read(_ path: String, limit: Int, what: String) throws -> Data {
        if path == "-" {
            do {
                let data = try FileHandle.standardInput.read(upToCount: limit + 1) ?? Data()
                guard data.count <= limit else { throw ValidationError("\(what) on standard input is over \(limit >> 20) MiB") }
                return data
            } catch let error as ValidationError {
                throw error
            } catch {
                throw ValidationError("cannot read \(what) from standard input: \(error.localizedDescription)")
            }
        }
        var isDirectory: ObjCBool = false
        guard FileManager.default.fileExists(atPath: path, isDirectory: &isDirectory) else { throw ValidationError("no such file: \(path)") }
        guard !isDirectory.boolValue, let attributes = try? FileManager.default.attributesOfItem(atPath: path),
              attributes[.type] as? FileAttributeType == .typeRegular else {
            throw ValidationError("\(path) is not a regular file")
        }
        if let size = attributes[.size] as? Int, size > limit {
            throw ValidationError("\(path) is \(size >> 20) MiB; \(what) may be at most \(limit >> 20) MiB")
        }
        do { return try Data(contentsOf: URL(fileURLWithPath: path)) } catch {
            throw ValidationError("cannot read \(path): \(error.localizedDescription)")
        }
    }

    private static func plain(_ value: Double) -> String {
        value == value.rounded() && abs(value) < 1e15 ? String(Int64(value)) : String(value)
    }
}

