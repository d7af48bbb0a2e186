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
    public static func add(to routes: JSONRouter, lookup: CustomerLookup, access: AccessPolicy = .open) {
        routes.on("/lookup/customer", .post) { request, context in
            let colo = request.headers[coloHeader]
            if let refusal = access.gate.check(request, from: context.remoteAddress, against: access.lookup) {
                let reply = lookup.refuseAccess(status: Int(refusal.status.code), message: refusal.message, coloHeader: colo)
                return refusal.response(body: reply.body)
            }
            let reply: LookupReply
            do {
                let body = try await request.body.collect(upTo: LookupRequest.maximumBodyBytes)
                reply = await lookup.respond(to: Data(buffer: body), coloHeader: colo)
            } catch is NIOTooManyBytesError {
                reply = lookup.refuse(.tooLarge(limit: LookupRequest.maximumBodyBytes), coloHeader: colo)
            } catch {
                reply = lookup.refuse(.unreadableBody, coloHeader: colo)
            }
            return .json(status: .init(code: reply.status), reply.body)
        }
        // Every request to the lookup path emits one event, a wrong method included.
        routes.onWrongMethod("/lookup/customer") { request, allowed in
            let refusal = BadRequest.methodNotAllowed(method: request.method.rawValue, path: request.uri.path, allowed: allowed)
            let reply = lookup.refuse(refusal, coloHeader: request.headers[coloHeader])
            return .json(status: .init(code: reply.status), reply.body)
        }
        routes.on("/health", .get) { request, _ in
            let colo = lookup.colo(header: request.headers[coloHeader])
            return .json("{\"status\":\"ok\",\"region\":\(JSONText.quoted(colo.code))}")
        }
    }
}
