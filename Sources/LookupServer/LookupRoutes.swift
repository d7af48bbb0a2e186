import EdgeHTTP
import Foundation
import HTTPTypes
import Hummingbird
import LookupCore
import NIOCore
import NIOFoundationCompat

/// `POST /lookup/customer` and `GET /health`: the seed worker's two routes.
public enum LookupRoutes {
    public static let coloHeader = HTTPField.Name("X-Edge-Colo")!

    /// Adds the routes. `/lookup/customer` takes `access.lookup`'s credentials (checked before the
    /// body is read); a refused request gets 401 or 429 and emits an `unauthorized` event.
    ///
    /// A caller that has not shown a credential does not get to name a colo: its events go to the
    /// server's own, so strangers cannot fill the dashboard's colo table.
    public static func add(to routes: JSONRouter, lookup: CustomerLookup, access: AccessPolicy = .open) {
        routes.on("/lookup/customer", .post) { request, context in
            if let refusal = access.gate.check(request, from: context.remoteAddress, against: access.lookup, route: .lookup) {
                let reply = lookup.refuseAccess(status: Int(refusal.status.code), message: refusal.message, coloHeader: nil)
                return refusal.response(body: reply.body)
            }
            let colo = request.headers[coloHeader]
            let reply: LookupReply
            do {
                let body = try await request.body.collect(upTo: LookupRequest.maximumBodyBytes)
                reply = await lookup.respond(to: Data(buffer: body), coloHeader: colo)
            } catch is NIOTooManyBytesError {
                // `Connection: close`: the connection ends after this answer (EdgeHTTP's
                // `AnswerWatch`), and the rest of the body is thrown away unread.
                return .closing(lookup.refuse(.tooLarge(limit: LookupRequest.maximumBodyBytes), coloHeader: colo))
            } catch {
                return .closing(lookup.refuse(.unreadableBody, coloHeader: colo))
            }
            return .json(status: .init(code: reply.status), reply.body)
        }
        // Every request to the lookup path emits one event, a wrong method included.
        routes.onWrongMethod("/lookup/customer") { request, allowed in
            let refusal = BadRequest.methodNotAllowed(method: request.method.rawValue, path: request.uri.path, allowed: allowed)
            // Not authenticated here, so a closed route files it under the server's colo.
            let reply = lookup.refuse(refusal, coloHeader: access.lookup.isOpen ? request.headers[coloHeader] : nil)
            return .json(status: .init(code: reply.status), reply.body)
        }
        routes.on("/health", .get) { request, _ in
            .json(health(lookup.colo(header: request.headers[coloHeader])))
        }
    }

    /// `/health`'s body (the fast path answers it too).
    static func health(_ colo: Colo) -> String {
        "{\"status\":\"ok\",\"region\":\(JSONText.quoted(colo.code))}"
    }
}

extension Response {
    /// The reply as JSON with `Connection: close`.
    static func closing(_ reply: LookupReply) -> Response {
        var response = Response.json(status: .init(code: reply.status), reply.body)
        response.headers[.connection] = "close"
        return response
    }
}
