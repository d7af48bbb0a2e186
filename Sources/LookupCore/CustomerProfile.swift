import Foundation

/// What a lookup learns about a caller, and what the cache holds.
///
/// Every field of the Data Action success schema except the per-request ones (`latencyMs`,
/// `cacheHit`, `stale`, `errorType`) lives here, always as a non-null string or bool. The fields
/// are kept only as their JSON text, rendered once when the profile is made, so an answer copies
/// them in one piece; the cache keeps the customer's own parts of that text and shares the rest
/// (see ``EntryTable``). The named fields are read back from the text when asked for, which the
/// lookup path never does.
public struct CustomerProfile: Sendable, Equatable {
    /// `"contactFound":…,…,"assignedQueue":"…"` with no braces.
    public let renderedFields: String
    public let contactFound: Bool
    /// Bytes of the id's, the name's, the tier's and the language's escaped text in
    /// ``renderedFields`` (the queue's is what is left).
    let lengths: Lengths

    struct Lengths: Sendable, Equatable {
        var id: UInt32
        var name: UInt32
        var tier: UInt32
        var language: UInt32
    }

    public init(
        contactFound: Bool, customerId: String, displayName: String,
        tier: String, language: String, assignedQueue: String
    ) {
        let id = JSONText.escaped(customerId), name = JSONText.escaped(displayName)
        let tierText = JSONText.escaped(tier), languageText = JSONText.escaped(language)
        let tail = ProfileText.afterName + tierText + ProfileText.afterTier + languageText + ProfileText.afterLanguage
            + JSONText.escaped(assignedQueue) + ProfileText.end
        self.init(
            contactFound: contactFound, id: id, name: name, tail: tail,
            tier: UInt32(tierText.utf8.count), language: UInt32(languageText.utf8.count)
        )
    }

    /// A profile from its escaped parts: the id's and the name's text, and the rest from
    /// `","tier":"` on (`tier` and `language` bytes of it are the tier's and the language's text).
    init(contactFound: Bool, id: String, name: String, tail: String, tier: UInt32, language: UInt32) {
        renderedFields = ProfileText.opening(contactFound) + id + ProfileText.afterId + name + tail
        self.contactFound = contactFound
        lengths = Lengths(id: UInt32(id.utf8.count), name: UInt32(name.utf8.count), tier: tier, language: language)
    }

    /// A profile from the same parts as raw bytes, in one allocation (the cache's read).
    init(contactFound: Bool, id: UnsafeRawBufferPointer, name: UnsafeRawBufferPointer, tail: Substring.UTF8View, lengths: Lengths) {
        let opening = ProfileText.opening(contactFound)
        let count = opening.utf8.count + id.count + ProfileText.afterId.utf8.count + name.count + tail.count
        renderedFields = String(unsafeUninitializedCapacity: count) { buffer in
            var at = 0
            func append(_ bytes: some Collection<UInt8>) {
                at = buffer[at...].initialize(fromContentsOf: bytes)
            }
            append(opening.utf8)
            append(id)
            append(ProfileText.afterId.utf8)
            append(name)
            append(tail)
            return at
        }
        self.contactFound = contactFound
        self.lengths = lengths
    }

    /// The escaped id and name, and the rest of the text from `","tier":"` on.
    var parts: (id: Substring.UTF8View, name: Substring.UTF8View, tail: Substring.UTF8View) {
        let utf8 = renderedFields.utf8
        let idStart = utf8.index(utf8.startIndex, offsetBy: ProfileText.opening(contactFound).utf8.count)
        let idEnd = utf8.index(idStart, offsetBy: Int(lengths.id))
        let nameStart = utf8.index(idEnd, offsetBy: ProfileText.afterId.utf8.count)
        let nameEnd = utf8.index(nameStart, offsetBy: Int(lengths.name))
        let text = Substring(renderedFields)
        return (text[idStart..<idEnd].utf8, text[nameStart..<nameEnd].utf8, text[nameEnd...].utf8)
    }

    public var customerId: String { Self.unescaped(parts.id) }
    public var displayName: String { Self.unescaped(parts.name) }
    public var tier: String { field(at: ProfileText.afterName.utf8.count, length: lengths.tier) }
    public var language: String {
        field(at: ProfileText.afterName.utf8.count + Int(lengths.tier) + ProfileText.afterTier.utf8.count, length: lengths.language)
    }
    public var assignedQueue: String {
        let start = ProfileText.afterName.utf8.count + Int(lengths.tier) + ProfileText.afterTier.utf8.count
            + Int(lengths.language) + ProfileText.afterLanguage.utf8.count
        let tail = parts.tail
        return field(at: start, length: UInt32(tail.count - start - ProfileText.end.utf8.count))
    }

    /// `length` bytes of the tail's text from `offset`, unescaped.
    private func field(at offset: Int, length: UInt32) -> String {
        let tail = parts.tail
        let start = tail.index(tail.startIndex, offsetBy: offset)
        return Self.unescaped(tail[start..<tail.index(start, offsetBy: Int(length))])
    }

    /// Escaped JSON string text back to the string (what ``JSONText/escaped(_:)`` wrote).
    private static func unescaped(_ text: Substring.UTF8View) -> String {
        // Only a backslash starts an escape: without one the text is the string.
        guard text.contains(UInt8(ascii: "\\")) else { return String(Substring(text)) }
        let literal = Data([UInt8(ascii: "\"")] + Array(text) + [UInt8(ascii: "\"")])
        return (try? JSONDecoder().decode(String.self, from: literal)) ?? String(decoding: text, as: UTF8.self)
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

/// The constant text between a profile's fields.
enum ProfileText {
    static func opening(_ found: Bool) -> String { found ? foundOpening : notFoundOpening }
    static let foundOpening = "\"contactFound\":true,\"customerId\":\""
    static let notFoundOpening = "\"contactFound\":false,\"customerId\":\""
    static let afterId = "\",\"displayName\":\""
    static let afterName = "\",\"tier\":\""
    static let afterTier = "\",\"language\":\""
    static let afterLanguage = "\",\"assignedQueue\":\""
    static let end = "\""
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
