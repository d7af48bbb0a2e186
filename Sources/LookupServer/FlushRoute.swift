import EdgeHTTP
import Foundation
import Hummingbird
import Logging
import LookupCore
import NIOCore
import NIOFoundationCompat

/// `POST /api/flush`: empties one colo's cache (`{"colo":"LHR"}`) or every colo's (`{}` or no
/// body), for an attached console or a script. A customer's record changed in the CRM and the
/// cache would answer the old one until it expires: this is how on-call makes it answer the new.
///
/// It takes `access.admin`'s token only. Without one configured, it is off: an open admin route
/// would let anyone who can read the metrics empty the caches and send every call to the CRM.
public enum FlushRoute {
    /// The largest body read: one colo's name in JSON.
    public static let maximumBodyBytes = 1024

    public static func add(to routes: JSONRouter, caches: ColoCaches, access: AccessPolicy, logger: Logger) {
        routes.on("/api/flush", .post) { request, context in
            guard !access.admin.isOpen else {
                return .json(status: .forbidden, JSONText.errorObject(offMessage))
            }
            if let refusal = access.gate.check(request, from: context.remoteAddress, against: access.admin, route: .admin) {
                return refusal.response
            }
            let body: ByteBuffer
            do {
                body = try await request.body.collect(upTo: maximumBodyBytes)
            } catch {
                return .json(status: .badRequest, JSONText.errorObject("Send {\"colo\":\"LHR\"} for one colo, or {} for all, in at most \(maximumBodyBytes) bytes"))
            }
            let target: Colo?
            switch colo(in: Data(buffer: body)) {
            case .failure(let problem): return .json(status: .badRequest, JSONText.errorObject(problem.message))
            case .success(let colo): target = colo
            }
            let removed = caches.flush(colo: target)
            let address = context.remoteAddress.map { "\($0.ipAddress ?? "?") port \($0.port ?? 0)" } ?? "an unknown address"
            logger.notice("cache flush asked by \(address): \(target.map { "\($0.code)'s cache" } ?? "every colo's cache"), \(removed) entries removed")
            let name = target.map { JSONText.quoted($0.code) } ?? "null"
            return .json("{\"colo\":\(name),\"flushed\":\(removed)}")
        }
    }

    /// What the route answers while no admin token is configured.
    public static let offMessage = "Flush is off: this server has no admin token (set ADMIN_TOKEN or --admin-token-file where it runs)"

    struct Problem: Error {
        let message: String
    }

    /// The colo a body names: nil for all (an empty body, `{}` or `{"colo":null}`); the one colo
    /// rule for a name (so `lhr` is `LHR`, and a name past the cap is `OTHER`'s cache).
    static func colo(in data: Data) -> Result<Colo?, Problem> {
        let text = String(decoding: data, as: UTF8.self).trimmingCharacters(in: .whitespacesAndNewlines)
        guard !text.isEmpty else { return .success(nil) }
        guard let object = try? JSONSerialization.jsonObject(with: data) as? [String: Any] else {
            return .failure(Problem(message: "The body must be a JSON object: {\"colo\":\"LHR\"} for one colo, or {} for all"))
        }
        switch object["colo"] {
        case nil, is NSNull:
            return .success(nil)
        case let name as String:
            guard let colo = Colo(name) ?? (ColoName.normalised(name) == Colo.other.code ? .other : nil) else {
                return .failure(Problem(message: "\"colo\" must be " + Colo.rule + ", or OTHER; null for every colo"))
            }
            return .success(colo)
        default:
            return .failure(Problem(message: "\"colo\" must be a colo's name, like \"LHR\", or null for all"))
        }
    }
}
