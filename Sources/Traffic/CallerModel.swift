import DemoWorld
import Foundation
import LookupCore

/// Who calls: repeat callers drawn from a Zipf-like distribution over the demo's customers
/// (``CustomerBook``), plus unknown numbers, email-only lookups, unexpanded macros and malformed bodies,
/// with the ANI in the forms Genesys really sends.
public struct CallerModel: Sendable {
    public struct Shares: Sendable, Equatable {
        /// Numbers the CRM does not know.
        public var unknown = 0.05
        /// Lookups by email only (the ANI is withheld).
        public var emailOnly = 0.10
        /// Inputs left unset in Genesys, sent as literal `${input.ani}` macros.
        public var macro = 0.02
        /// Bodies that are not valid JSON.
        public var malformed = 0.01
        /// Zipf exponent over known customers: higher means more repeat callers (1.5: the top 100
        /// of 10,000 customers make about four calls in five).
        public var zipfExponent = 1.5
        public init() {}
    }

    public let shares: Shares
    public let customers: Int
    private let cumulative: [Double]

    public init(shares: Shares = Shares(), customers: Int = CustomerBook.size) {
        self.shares = shares
        self.customers = customers
        var total = 0.0
        cumulative = (1...customers).map { rank in
            total += 1 / pow(Double(rank), shares.zipfExponent)
            return total
        }
    }

    /// What one caller sends.
    public enum Call: Sendable, Equatable {
        case known(index: Int, body: String)
        case unknown(body: String)
        case email(index: Int, body: String)
        case macro(body: String)
        case malformed(body: String)

        public var body: String {
            switch self {
            case .known(_, let body), .unknown(let body), .email(_, let body), .macro(let body), .malformed(let body): body
            }
        }
    }

    public func next(using rng: inout some RandomNumberGenerator) -> Call {
        let roll = Double.random(in: 0..<1, using: &rng)
        if roll < shares.malformed { return .malformed(body: #"{"ani": "+1555000"#) }
        if roll < shares.malformed + shares.macro {
            return .macro(body: #"{"ani": "${input.ani}", "email": "${input.email}"}"#)
        }
        if roll < shares.malformed + shares.macro + shares.unknown {
            let number = "+1" + String(Int.random(in: 2_000_000_000...9_899_999_999, using: &rng))
            return .unknown(body: Self.body(ani: format(number, using: &rng), email: ""))
        }
        let index = popularCustomer(using: &rng)
        if roll < shares.malformed + shares.macro + shares.unknown + shares.emailOnly {
            return .email(index: index, body: Self.body(ani: "anonymous", email: CustomerBook.typedEmail(of: index)))
        }
        return .known(index: index, body: Self.body(ani: format(CustomerBook.phone(of: index), using: &rng), email: ""))
    }

    /// A customer index, popular ones far more often.
    func popularCustomer(using rng: inout some RandomNumberGenerator) -> Int {
        let target = Double.random(in: 0..<cumulative.last!, using: &rng)
        var low = 0
        var high = cumulative.count - 1
        while low < high {
            let mid = (low + high) / 2
            if cumulative[mid] < target { low = mid + 1 } else { high = mid }
        }
        return low
    }

    /// The number in one of the forms Genesys sends for `Call.Ani`.
    func format(_ e164: String, using rng: inout some RandomNumberGenerator) -> String {
        switch Int.random(in: 0..<3, using: &rng) {
        case 0: "tel:" + e164
        case 1: "tel: " + e164
        default: "sip:" + e164 + "@10.20.30.40:5060;user=phone"
        }
    }

    static func body(ani: String, email: String) -> String {
        "{\"ani\": \(JSONText.quoted(ani)), \"email\": \(JSONText.quoted(email))}"
    }
}
