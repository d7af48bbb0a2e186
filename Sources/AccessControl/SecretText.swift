import Foundation

/// Reads secrets from the environment or from a file, never from a flag's value (flag values
/// show in `ps`). Each secret has one variable and one file flag; setting both is an error,
/// since it is never clear which one the operator meant.
public enum SecretText {
    /// The longest secret or secret file accepted.
    public static let maximumBytes = 4096

    /// The secret from `variable` in `environment`, or from the file at `path`; nil when neither
    /// is set. One trailing newline (`\n` or `\r\n`) is removed from a file, as editors add one.
    public static func read(
        variable: String, fileFlag: String, path: String?, environment: [String: String]
    ) throws(SecretError) -> (text: String, source: String)? {
        let fromEnvironment = environment[variable].flatMap { $0.isEmpty ? nil : $0 }
        switch (fromEnvironment, path) {
        case (nil, nil):
            return nil
        case (.some, .some):
            throw SecretError("both \(variable) and \(fileFlag) are set; use one")
        case (.some(let text), nil):
            return (text, variable)
        case (nil, .some(let path)):
            return (try file(at: path, flag: fileFlag), "the file given to \(fileFlag)")
        }
    }

    /// A secret file's text: a regular file of at most ``maximumBytes``, as UTF-8.
    public static func file(at path: String, flag: String) throws(SecretError) -> String {
        let data: Data
        do { data = try BoundedFile.read(path, limit: maximumBytes) } catch { throw SecretError("\(flag): " + error.message(path: path)) }
        guard var text = String(data: data, encoding: .utf8) else { throw SecretError("\(flag): \(path) is not UTF-8 text") }
        // "\r\n" is one Character in Swift, so one removeLast covers both endings.
        if let last = text.last, last == "\n" || last == "\r\n" { text.removeLast() }
        guard !text.isEmpty else { throw SecretError("\(flag): \(path) is empty") }
        return text
    }

    static func isControl(_ byte: UInt8) -> Bool { byte < 0x20 || byte == 0x7F }
}
