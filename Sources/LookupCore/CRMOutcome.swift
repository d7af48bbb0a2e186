import Foundation

/// One customer as the CRM returns it in `results[0]`.
public struct CRMRecord: Codable, Sendable, Equatable {
    public var id: String
    public var firstName: String?
    public var lastName: String?
    public var accountTier: String?
    public var preferredLanguage: String?

    public init(
        id: String, firstName: String? = nil, lastName: String? = nil,
        accountTier: String? = nil, preferredLanguage: String? = nil
    ) {
        self.id = id
        self.firstName = firstName
        self.lastName = lastName
        self.accountTier = accountTier
        self.preferredLanguage = preferredLanguage
    }
}

extension CRMRecord {
    /// The longest field kept (UTF-8 bytes): ids, names, tiers and language tags are far shorter.
    public static let maximumFieldBytes = 256

    /// True when every field fits ``maximumFieldBytes`` and the id is not empty.
    public var isWithinLimits: Bool {
        !id.isEmpty && [id, firstName, lastName, accountTier, preferredLanguage].allSatisfy { ($0?.utf8.count ?? 0) <= Self.maximumFieldBytes }
    }
}

/// Why a CRM call gave no answer. The raw value is the `errorType` sent to Genesys and in events.
public enum CRMFailure: String, Error, Sendable, CaseIterable {
    case timeout = "crm_timeout"
    case unreachable = "crm_unreachable"
    case serverError = "crm_5xx"
    case auth = "crm_auth"
    case rateLimited = "crm_rate_limited"
    case badResponse = "crm_bad_response"
    /// Not called: the circuit breaker is open (or its one probe is already out).
    case circuitOpen = "crm_circuit_open"
    /// Not called: `--crm-concurrency` calls are already in flight.
    case overloaded = "crm_overloaded"

    /// True for an `errorType` that says the CRM failed: ours, and any `crm_*` a worker sends.
    public static func isCRMErrorType(_ errorType: String) -> Bool { errorType.hasPrefix("crm_") }

    /// True for the failures the CRM itself gave (the breaker counts these), false for calls
    /// edgewatch never made.
    public var cameFromCRM: Bool { self != .circuitOpen && self != .overloaded }
}

/// What one CRM call came to. Only `.found` and `.notFound` may be cached.
public enum CRMOutcome: Sendable, Equatable {
    case found(CRMRecord)
    case notFound
    case failed(CRMFailure)

    /// Classifies a CRM answer that arrived (status and body). Transport failures are
    /// classified by the client, which knows its own error types.
    public static func classify(status: Int, body: Data) -> CRMOutcome {
        switch status {
        case 200..<300:
            guard let page = try? decoder.decode(ResultsPage.self, from: body) else {
                return .failed(.badResponse)
            }
            guard let record = page.results.first else { return .notFound }
            // A record is cached, so its size is bounded: an oversized field is a bad answer.
            return record.isWithinLimits ? .found(record) : .failed(.badResponse)
        case 404: return .notFound
        case 401, 403: return .failed(.auth)
        case 429: return .failed(.rateLimited)
        case 500..<600: return .failed(.serverError)
        default: return .failed(.badResponse)
        }
    }

    private struct ResultsPage: Decodable {
        var results: [CRMRecord]
    }

    private static let decoder = JSONDecoder()
}
