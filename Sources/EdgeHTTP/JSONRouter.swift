import HTTPTypes
import Hummingbird
import Logging
import LookupCore
import NIOCore
import Synchronization

/// A Hummingbird router whose every answer is JSON: unknown paths get 404, a known path with
/// the wrong method gets 405 with `Allow`, and any thrown error becomes `{"error": "..."}`.
public final class JSONRouter {
    public typealias Context = EdgeRequestContext
    public typealias Handler = @Sendable (Request, Context) async throws -> Response

    public let router: Router<Context>
    private let table: RouteTable

    public init(logger: Logger) {
        router = Router(context: Context.self)
        table = RouteTable()
        // Added before any route, so it wraps every route and the not-found responder too.
        router.add(middleware: JSONErrorMiddleware(table: table, logger: logger))
    }

    /// Answers requests to `path` with a method it has no route for, instead of the plain 405
    /// (for example to count them). The `Allow` header is added when the answer has none.
    public func onWrongMethod(_ path: String, use handler: @escaping @Sendable (Request, _ allowed: String) -> Response) {
        table.setWrongMethodHandler(path: path, handler)
    }

    /// Adds a route and remembers its method for 405 answers.
    public func on(_ path: String, _ method: HTTPRequest.Method, use handler: @escaping Handler) {
        table.add(path: path, method: method)
        router.on(RouterPath(path), method: method) { request, context in try await handler(request, context) }
    }
}

/// Paths and the methods each accepts; read only when a request matched no route.
final class RouteTable: Sendable {
    typealias WrongMethodHandler = @Sendable (Request, String) -> Response
    private let methods = Mutex<[String: [HTTPRequest.Method]]>([:])
    private let wrongMethodHandlers = Mutex<[String: WrongMethodHandler]>([:])

    func setWrongMethodHandler(path: String, _ handler: @escaping WrongMethodHandler) {
        wrongMethodHandlers.withLock { $0[path] = handler }
    }

    func wrongMethodHandler(path: String) -> WrongMethodHandler? {
        wrongMethodHandlers.withLock { $0[path] }
    }

    func add(path: String, method: HTTPRequest.Method) {
        methods.withLock { $0[path, default: []].append(method) }
    }

    func allowed(path: String) -> [HTTPRequest.Method] {
        methods.withLock { $0[path] ?? [] }
    }
}

struct JSONErrorMiddleware: RouterMiddleware {
    typealias Context = EdgeRequestContext
    let table: RouteTable
    let logger: Logger

    func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async -> Response {
        do {
            return try await next(request, context)
        } catch let error as HTTPError where error.status == .notFound {
            let allowed = table.allowed(path: request.uri.path)
            guard !allowed.isEmpty else {
                return .json(status: .notFound, JSONText.errorObject("Not found: \(request.uri.path)"))
            }
            let names = allowed.map(\.rawValue).joined(separator: ", ")
            if let handler = table.wrongMethodHandler(path: request.uri.path) {
                var response = handler(request, names)
                if response.headers[.allow] == nil { response.headers[.allow] = names }
                return response
            }
            var response = Response.json(
                status: .methodNotAllowed,
                JSONText.errorObject("Method \(request.method.rawValue) is not allowed on \(request.uri.path); use \(names)")
            )
            response.headers[.allow] = names
            return response
        } catch is NIOTooManyBytesError {
            // The rest of the body is not read: the connection ends after this answer.
            var response = Response.json(status: .contentTooLarge, JSONText.errorObject("Request body too large"))
            response.headers[.connection] = "close"
            return response
        } catch let error as any HTTPResponseError {
            return .json(status: error.status, JSONText.errorObject("\(error.status.reasonPhrase)"))
        } catch {
            logger.error("unhandled error", metadata: ["path": "\(request.uri.path)", "error": "\(error)"])
            return .json(status: .internalServerError, JSONText.errorObject("Internal error; the server logged the details"))
        }
    }
}

extension Response {
    /// A response with a JSON body and `Content-Type: application/json`.
    public static func json(status: HTTPResponse.Status = .ok, _ body: String) -> Response {
        Response(
            status: status,
            headers: [.contentType: "application/json"],
            body: ResponseBody(byteBuffer: ByteBuffer(string: body))
        )
    }
}
