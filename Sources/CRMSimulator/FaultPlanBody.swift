import FaultCatalog
import Foundation

/// Why a body sent to `PUT /admin/faults` is not a fault plan, in one line.
public struct FaultPlanProblem: Error, Equatable, Sendable {
    public let message: String
}

extension FaultPlan {
    /// The keys a plan may have, and each fault's fields (all of them required).
    static let fields: [String: Set<String>?] = [
        "latency": ["probability", "milliseconds", "jitterMilliseconds"],
        "error": ["probability", "status"],
        "rateLimit": ["probability", "retryAfterSeconds"],
        "hang": ["probability", "seconds"],
        "malformed": ["probability"],
        "trickle": ["probability", "intervalMilliseconds"],
        "down": nil,
    ]

    /// A whole plan from JSON, strictly: a key it does not know (a typo such as `"errors"` or
    /// `"hnag"`) or a fault missing one of its fields is refused, naming it, so a mistyped plan
    /// never silently replaces (and clears) the faults in force. `null` leaves a fault out.
    public static func parse(_ body: Data) -> Result<FaultPlan, FaultPlanProblem> {
        func problem(_ message: String) -> Result<FaultPlan, FaultPlanProblem> { .failure(FaultPlanProblem(message: message)) }
        guard let object = try? JSONSerialization.jsonObject(with: body, options: [.fragmentsAllowed]) else {
            return problem("the body is not JSON: send a plan such as {\"error\":{\"probability\":0.5,\"status\":503}}")
        }
        guard let plan = object as? [String: Any] else { return problem("the plan must be a JSON object") }
        for key in plan.keys.sorted() {
            guard let expected = fields[key] else {
                return problem("unknown key \"\(key)\"; a plan has \(fields.keys.sorted().joined(separator: ", "))")
            }
            guard let expected, let fault = plan[key] as? [String: Any] else {
                if let expected, !(plan[key] is NSNull) {
                    return problem("\(key) must be an object with \(expected.sorted().joined(separator: ", "))")
                }
                continue
            }
            if let unknown = fault.keys.sorted().first(where: { !expected.contains($0) }) {
                return problem("unknown key \"\(key).\(unknown)\"; \(key) has \(expected.sorted().joined(separator: ", "))")
            }
            if let missing = expected.sorted().first(where: { fault[$0] == nil }) {
                return problem("\(key).\(missing) is missing; \(key) needs \(expected.sorted().joined(separator: ", "))")
            }
        }
        do {
            let first = try JSONDecoder().decode(FaultPlan.self, from: body)
            // A key given twice: the decoder keeps its first value, JSONSerialization its last.
            // Read both ways, a plan that differs names a key twice with different values, and
            // which one was meant cannot be known.
            let last = try JSONDecoder().decode(FaultPlan.self, from: JSONSerialization.data(withJSONObject: plan))
            guard first == last else { return problem("a key is given twice with different values; give each once") }
            return .success(first)
        } catch let error as DecodingError {
            return problem(Self.words(error))
        } catch {
            return problem("the plan could not be read")
        }
    }

    /// A decoding error in one line, naming the field.
    static func words(_ error: DecodingError) -> String {
        func path(_ context: DecodingError.Context) -> String {
            context.codingPath.map(\.stringValue).joined(separator: ".")
        }
        switch error {
        case .typeMismatch(let type, let context):
            let kind = type == Bool.self ? "true or false" : type == Int.self ? "a whole number" : type == Double.self ? "a number" : "an object"
            return "\(path(context)) must be \(kind)"
        case .valueNotFound(_, let context):
            return "\(path(context)) must not be null"
        case .keyNotFound(let key, let context):
            return "\(path(context).isEmpty ? "" : path(context) + ".")\(key.stringValue) is missing"
        case .dataCorrupted(let context):
            return path(context).isEmpty ? "the body is not a plan" : "\(path(context)) is not valid here"
        @unknown default:
            return "the plan could not be read"
        }
    }
}
