import Foundation
import Crypto

/// What a client presented in its `Authorization` header, as the HTTP shell parsed it.
public enum PresentedCredential: Sendable, Equatable {
    case none
    case basic(user: String, password: String)
    case bearer(String)
}

/// The credentials one route accepts: a Basic user and password, a bearer token, or both.
///
/// Only SHA-256 digests are kept, and a presented credential is hashed and compared to them in
/// constant time (swift-crypto's digest equality), so neither the time taken nor a memory dump
/// gives the secret away. A value with no credential accepts nothing; callers decide whether an
/// empty set means "open" (see ``isOpen``).
public struct Credentials: Sendable, CustomStringConvertible {
    private let basicDigest: SHA256Digest?
    private let bearerDigest: SHA256Digest?

    /// The realm named in `WWW-Authenticate` challenges.
    public static let realm = "edgewatch"

    public init(basic: BasicSecret? = nil, bearer: BearerSecret? = nil) {
        basicDigest = basic.map { SHA256.hash(data: Array($0.joined.utf8)) }
        bearerDigest = bearer.map { SHA256.hash(data: Array($0.token.utf8)) }
    }

    /// No credential is configured: the route is open.
    public var isOpen: Bool { basicDigest == nil && bearerDigest == nil }
    public var takesBasic: Bool { basicDigest != nil }
    public var takesBearer: Bool { bearerDigest != nil }

    /// True when `presented` matches a configured credential of its kind.
    public func accepts(_ presented: PresentedCredential) -> Bool {
        switch presented {
        case .none:
            return false
        case .basic(let user, let password):
            guard let basicDigest else { return false }
            return SHA256.hash(data: Array((user + ":" + password).utf8)) == basicDigest
        case .bearer(let token):
            guard let bearerDigest else { return false }
            return SHA256.hash(data: Array(token.utf8)) == bearerDigest
        }
    }

    /// One `WWW-Authenticate` value per accepted scheme (RFC 7617 and RFC 6750).
    public var challenges: [String] {
        var values: [String] = []
        if takesBasic { values.append("Basic realm=\"\(Self.realm)\", charset=\"UTF-8\"") }
        if takesBearer { values.append("Bearer realm=\"\(Self.realm)\"") }
        return values
    }

    /// Names the schemes, never the secrets, so a stray interpolation cannot leak one.
    public var description: String {
        isOpen ? "open" : [takesBasic ? "Basic" : nil, takesBearer ? "Bearer" : nil].compactMap { $0 }.joined(separator: "+")
    }
}

/// A Basic user and password, checked when read (`user:password`, as in `LOOKUP_BASIC_AUTH`).
public struct BasicSecret: Sendable, CustomStringConvertible {
    public let user: String
    let password: String
    var joined: String { user + ":" + password }

    /// Parses `user:password`. The user may not hold a colon (RFC 7617); neither part may be
    /// empty or hold a control character. The message never repeats the value.
    public init(parsing text: String, source: String) throws(SecretError) {
        guard let colon = text.firstIndex(of: ":") else {
            throw SecretError("\(source) must be user:password (no colon found)")
        }
        let user = String(text[..<colon])
        let password = String(text[text.index(after: colon)...])
        guard !user.isEmpty else { throw SecretError("\(source) must be user:password with a user name before the colon") }
        guard password.utf8.count >= Self.minimumPasswordLength else {
            throw SecretError("\(source) needs a password of at least \(Self.minimumPasswordLength) characters (it has \(password.utf8.count))")
        }
        guard text.utf8.count <= SecretText.maximumBytes, !text.utf8.contains(where: SecretText.isControl) else {
            throw SecretError("\(source) must be at most \(SecretText.maximumBytes) bytes with no control characters")
        }
        self.user = user
        self.password = password
    }

    /// The shortest password accepted: the secret's length, not the throttle, is what stops guessing.
    public static let minimumPasswordLength = 16

    public var description: String { "Basic credential" }
}

/// A bearer token, checked when read.
public struct BearerSecret: Sendable, CustomStringConvertible {
    let token: String

    /// The shortest token accepted: a short token is a guessable password.
    public static let minimumLength = 16

    /// Parses a token: 16 to 4,096 characters of the RFC 6750 `b64token` alphabet
    /// (letters, digits, `-._~+/`, then optional `=` padding).
    public init(parsing text: String, source: String) throws(SecretError) {
        guard text.utf8.count >= Self.minimumLength, text.utf8.count <= SecretText.maximumBytes else {
            throw SecretError("\(source) must be \(Self.minimumLength) to \(SecretText.maximumBytes) characters long (it is \(text.utf8.count))")
        }
        let body = text.utf8.reversed().drop { $0 == UInt8(ascii: "=") }
        guard !body.isEmpty, body.allSatisfy(Self.isTokenByte) else {
            throw SecretError("\(source) may hold only letters, digits and -._~+/ (then = padding), as a bearer token must")
        }
        token = text
    }

    static func isTokenByte(_ byte: UInt8) -> Bool {
        switch byte {
        case UInt8(ascii: "A")...UInt8(ascii: "Z"), UInt8(ascii: "a")...UInt8(ascii: "z"), UInt8(ascii: "0")...UInt8(ascii: "9"),
            UInt8(ascii: "-"), UInt8(ascii: "."), UInt8(ascii: "_"), UInt8(ascii: "~"), UInt8(ascii: "+"), UInt8(ascii: "/"):
            true
        default:
            false
        }
    }

    public var description: String { "bearer token (\(token.utf8.count) characters)" }
}

/// A secret that could not be used; the message names its source, never its value.
public struct SecretError: Error, Sendable, CustomStringConvertible, Equatable {
    public let message: String
    public init(_ message: String) { self.message = message }
    public var description: String { message }
}

extension BasicSecret {
    /// The `Authorization` value a client sends with this user and password.
    public var authorizationHeader: String { "Basic " + Data(joined.utf8).base64EncodedString() }
}

extension BearerSecret {
    /// The `Authorization` value a client sends with this token.
    public var authorizationHeader: String { "Bearer " + token }
}
