import LookupCore

/// The simulator's customers: 10,000 people, numbered 0..<10,000, each findable by phone
/// (`+1555000` and four digits) or by email (`customer<i>@example.com`).
///
/// With `everyPhone`, every other phone number (1 to 15 digits, an optional `+`) is a customer too,
/// `CUST-` and its digits, named and tiered from them: for measuring a cache of millions.
public struct CustomerBook: Sendable {
    public static let size = 10_000
    public let everyPhone: Bool
    static let tiers = ["Enterprise", "Professional", "Standard", "Trial"]
    static let languages = ["en-US", "en-GB", "es-US", "fr-CA", "de-DE", "ja-JP", "pt-BR"]
    static let firstNames = [
        "Ada", "Bruno", "Chiara", "Dev", "Elena", "Femi", "Grace", "Hiro", "Ines", "Jonas",
        "Kavya", "Liam", "Mei", "Nadia", "Omar", "Priya", "Quentin", "Rosa", "Sven", "Tariq",
    ]
    static let lastNames = [
        "Okafor", "Lindqvist", "Moreau", "Tanaka", "Silva", "Novak", "Haddad", "Kowalski",
        "Byrne", "Ivanova", "Mendes", "Park", "Schmidt", "Rossi", "Nguyen", "Adeyemi", "Walsh",
    ]

    public init(everyPhone: Bool = false) {
        self.everyPhone = everyPhone
    }

    /// Customer number `index` as the CRM's API returns it; nil outside 0..<size.
    public func customer(_ index: Int) -> CRMRecord? {
        guard (0..<Self.size).contains(index) else { return nil }
        let id = String(index)
        return CRMRecord(
            id: "CUST-" + String(repeating: "0", count: max(0, 6 - id.count)) + id,
            firstName: Self.firstNames[index % Self.firstNames.count],
            lastName: Self.lastNames[(index / Self.firstNames.count) % Self.lastNames.count],
            accountTier: Self.tiers[index % 4],
            preferredLanguage: Self.languages[index % Self.languages.count]
        )
    }

    /// The E.164 phone number of customer `index`, e.g. `+15550000042`.
    public static func phone(of index: Int) -> String {
        let digits = String(index)
        return "+1555000" + String(repeating: "0", count: 4 - digits.count) + digits
    }

    public static func email(of index: Int) -> String { "customer\(index)@example.com" }

    /// The address as a caller types it, with capitals (`Customer42@Example.com`): the lookup
    /// must find the customer whatever the case.
    public static func typedEmail(of index: Int) -> String { "Customer\(index)@Example.com" }

    /// The customer with this phone number (`+15550000042`; a leading `+` is optional).
    public func customer(phone: String) -> CRMRecord? {
        let digits = phone.hasPrefix("+") ? phone.dropFirst() : Substring(phone)
        let suffix = digits.suffix(4)
        if digits.count == 11, digits.hasPrefix("1555000"), suffix.utf8.allSatisfy({ (48...57).contains($0) }), let index = Int(suffix) {
            return customer(index)
        }
        guard everyPhone, (1...LookupKey.maximumDigits).contains(digits.utf8.count),
              digits.utf8.allSatisfy({ (48...57).contains($0) }), let number = Int(digits) else { return nil }
        return CRMRecord(
            id: "CUST-" + digits,
            firstName: Self.firstNames[number % Self.firstNames.count],
            lastName: Self.lastNames[(number / Self.firstNames.count) % Self.lastNames.count],
            accountTier: Self.tiers[number % 4],
            preferredLanguage: Self.languages[number % Self.languages.count]
        )
    }

    /// The customer with this email address, in any case.
    public func customer(email: String) -> CRMRecord? {
        let address = email.lowercased()
        guard address.hasPrefix("customer"), address.hasSuffix("@example.com") else { return nil }
        let number = address.dropFirst("customer".count).dropLast("@example.com".count)
        guard let index = Int(number), String(index) == number else { return nil }
        return customer(index)
    }
}

