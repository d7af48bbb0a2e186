import Foundation

/// The body Genesys posts to `/lookup/customer`: `{"ani": string, "email": string}`.
///
/// `ani` may also be a JSON number (an unquoted template puts one there). Missing fields and
/// `null` mean "not given". Unknown fields are ignored.
public struct LookupRequest: Sendable, Equatable {
    public var ani: String?
    public var email: String?

    public init(ani: String? = nil, email: String? = nil) {
        self.ani = ani
        self.email = email
    }

    /// The largest body accepted; anything bigger gets 413.
    public static let maximumBodyBytes = 64 * 1024

    /// Decodes a request body, or throws a ``BadRequest`` whose message a person can act on.
    public static func decode(_ body: Data) throws(BadRequest) -> LookupRequest {
        guard body.count <= maximumBodyBytes else { throw .tooLarge(limit: maximumBodyBytes) }
        if let plain = body.withUnsafeBytes(PlainLookupBody.read) { return plain }
        return try decodeWithFoundation(body)
    }

    /// ``decode(_:)`` of bytes in place (the fast path's body, never copied into `Data` when plain).
    public static func decode(_ body: UnsafeRawBufferPointer) throws(BadRequest) -> LookupRequest {
        guard body.count <= maximumBodyBytes else { throw .tooLarge(limit: maximumBodyBytes) }
        if let plain = PlainLookupBody.read(body) { return plain }
        return try decodeWithFoundation(Data(body))
    }

    /// `JSONDecoder`, for every body ``PlainLookupBody`` does not read: the one place a body's
    /// errors are worded.
    static func decodeWithFoundation(_ body: Data) throws(BadRequest) -> LookupRequest {
        if body.isEmpty { throw .invalidJSON("the body is empty; send a JSON object such as {\"ani\": \"+13175550116\"}") }
        do {
            return try decoder.decode(Wire.self, from: body).request
        } catch let error as BadRequest {
            throw error
        } catch DecodingError.typeMismatch(_, let context) where context.codingPath.isEmpty {
            throw .notAnObject
        } catch DecodingError.valueNotFound(_, let context) where context.codingPath.isEmpty {
            throw .notAnObject
        } catch {
            throw .invalidJSON("the body is not valid JSON")
        }
    }

    private static let decoder = JSONDecoder()

    private struct Wire: Decodable {
        var request: LookupRequest

        enum Keys: String, CodingKey { case ani, email }

        init(from decoder: any Decoder) throws {
            let container = try decoder.container(keyedBy: Keys.self)
            request = LookupRequest(
                ani: try Self.ani(in: container),
                email: try Self.string(.email, in: container)
            )
        }

        static func string(_ key: Keys, in container: KeyedDecodingContainer<Keys>) throws -> String? {
            guard container.contains(key), try !container.decodeNil(forKey: key) else { return nil }
            guard let value = try? container.decode(String.self, forKey: key) else {
                throw BadRequest.wrongType(field: key.rawValue, expected: "a string")
            }
            return value
        }

        static func ani(in container: KeyedDecodingContainer<Keys>) throws -> String? {
            guard container.contains(.ani), try !container.decodeNil(forKey: .ani) else { return nil }
            if let text = try? container.decode(String.self, forKey: .ani) { return text }
            if let whole = try? container.decode(UInt64.self, forKey: .ani) { return String(whole) }
            throw BadRequest.wrongType(field: "ani", expected: "a string or a whole number")
        }
    }
}

/// Why a request body was refused. Each case carries the HTTP status and a message to act on.
public enum BadRequest: Error, Equatable, Sendable {
    case invalidJSON(String)
    case notAnObject
    case wrongType(field: String, expected: String)
    case tooLarge(limit: Int)
    /// A request with a method the path does not take; `allowed` lists those it does.
    case methodNotAllowed(method: String, path: String, allowed: String)
    /// The body could not be read to its end (the client went away or broke the framing).
    case unreadableBody
    /// NIO's HTTP parser rejected the request (the problem in words); the connection closes.
    case malformedHTTP(String)

    public var status: Int {
        switch self {
        case .tooLarge: 413
        case .methodNotAllowed: 405
        default: 400
        }
    }

    public var message: String {
        switch self {
        case .invalidJSON(let detail):
            "Invalid JSON: \(detail)"
        case .notAnObject:
            "Invalid request: the body must be a JSON object such as {\"ani\": \"+13175550116\", \"email\": \"\"}"
        case .wrongType(let field, let expected):
            "Invalid request: \"\(field)\" must be \(expected)"
        case .tooLarge(let limit):
            "Request body too large: the limit is \(limit / 1024) KiB"
        case .methodNotAllowed(let method, let path, let allowed):
            "Method \(method) is not allowed on \(path); use \(allowed)"
        case .unreadableBody:
            "The request body could not be read to its end"
        case .malformedHTTP(let problem):
            "Malformed HTTP request: \(problem)"
        }
    }
}
