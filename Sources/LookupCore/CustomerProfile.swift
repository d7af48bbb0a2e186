/// What a lookup learns about a caller, and what the cache holds.
///
/// Every field of the Data Action success schema except the per-request ones (`latencyMs`,
/// `cacheHit`, `errorType`) lives here, always as a non-null string or bool. The JSON for these
/// fields is rendered once, when the profile is made, so a cache hit only appends three fields.
public struct CustomerProfile: Sendable, Equatable {
    /// The fields live in one immutable object, so a profile read from the cache is copied with
    /// one reference count instead of seven (the hit path copies it out of the cache's lock).
    private final class Fields: Sendable {
        let contactFound: Bool
        let customerId: String
        let displayName: String
        let tier: String
        let language: String
        let assignedQueue: String
        let renderedFields: String

        init(contactFound: Bool, customerId: String, displayName: String, tier: String, language: String, assignedQueue: String) {
            self.contactFound = contactFound
            self.customerId = customerId
            self.displayName = displayName
            self.tier = tier
            self.language = language
            self.assignedQueue = assignedQueue
            renderedFields =
                "\"contactFound\":\(contactFound),\"customerId\":\(JSONText.quoted(customerId))"
                + ",\"displayName\":\(JSONText.quoted(displayName)),\"tier\":\(JSONText.quoted(tier))"
                + ",\"language\":\(JSONText.quoted(language)),\"assignedQueue\":\(JSONText.quoted(assignedQueue))"
        }
    }

    private let fields: Fields

    public var contactFound: Bool { fields.contactFound }
    public var customerId: String { fields.customerId }
    public var displayName: String { fields.displayName }
    public var tier: String { fields.tier }
    public var language: String { fields.language }
    public var assignedQueue: String { fields.assignedQueue }
    /// `"contactFound":…,…,"assignedQueue":"…"` with no braces.
    public var renderedFields: String { fields.renderedFields }

    public init(
        contactFound: Bool, customerId: String, displayName: String,
        tier: String, language: String, assignedQueue: String
    ) {
        fields = Fields(contactFound: contactFound, customerId: customerId, displayName: displayName,
                        tier: tier, language: language, assignedQueue: assignedQueue)
    }

    public static func == (lhs: CustomerProfile, rhs: CustomerProfile) -> Bool {
        lhs.fields === rhs.fields
            || (lhs.contactFound == rhs.contactFound && lhs.customerId == rhs.customerId && lhs.displayName == rhs.displayName
                && lhs.tier == rhs.tier && lhs.language == rhs.language && lhs.assignedQueue == rhs.assignedQueue)
    }

    /// The profile for an unknown caller (or for a failed CRM call): every schema field present.
    public static func notFound(queues: TierQueueMap) -> CustomerProfile {
        CustomerProfile(
            contactFound: false, customerId: "UNKNOWN", displayName: "",
            tier: TierQueueMap.defaultTier, language: "en-US",
            assignedQueue: queues.queue(forTier: TierQueueMap.defaultTier)
        )
    }

    /// A found customer, from the CRM's first result.
    public static func found(_ record: CRMRecord, queues: TierQueueMap) -> CustomerProfile {
        let name = [record.firstName, record.lastName]
            .compactMap { $0.map { String(Substring($0).trimmingSpaces()) } }
            .filter { !$0.isEmpty }
            .joined(separator: " ")
        let tier = record.accountTier.flatMap { $0.isEmpty ? nil : $0 } ?? TierQueueMap.defaultTier
        return CustomerProfile(
            contactFound: true, customerId: record.id,
            displayName: name,
            tier: tier,
            language: record.preferredLanguage.flatMap { $0.isEmpty ? nil : $0 } ?? "en-US",
            assignedQueue: queues.queue(forTier: tier)
        )
    }
}

/// The maps from account tier to Genesys queue id. Unknown tiers go to the Standard queue.
public struct TierQueueMap: Sendable, Equatable {
    public static let defaultTier = "Standard"
    public static let seed: [String: String] = [
        "Enterprise": "enterprise-priority-queue-id",
        "Professional": "professional-queue-id",
        "Standard": "standard-queue-id",
        "Trial": "trial-queue-id",
    ]

    public private(set) var queues: [String: String]

    public init(_ queues: [String: String] = TierQueueMap.seed) {
        self.queues = queues
    }

    public func queue(forTier tier: String) -> String {
        queues[tier] ?? queues[Self.defaultTier] ?? Self.seed[Self.defaultTier]!
    }

    /// Parses `Tier=queue-id` overrides on top of the seed's map.
    public static func parsing(overrides: [String]) throws(ConfigurationError) -> TierQueueMap {
        var map = TierQueueMap()
        for entry in overrides {
            let parts = entry.split(separator: "=", maxSplits: 1).map { String($0.trimmingSpaces()) }
            guard parts.count == 2, !parts[0].isEmpty, !parts[1].isEmpty else {
                throw ConfigurationError("tier-queue mapping \"\(entry)\" must look like Tier=queue-id")
            }
            map.queues[parts[0]] = parts[1]
        }
        return map
    }
}

/// A configuration value that cannot be used, with a message for the operator.
public struct ConfigurationError: Error, Equatable, CustomStringConvertible {
    public let description: String
    public init(_ description: String) { self.description = description }
}
