import Foundation
import LookupCore

/// Fills the caches as if the demo's callers had been calling for a while, so the demo starts
/// where a running service is, not with every cache empty: the last `seconds` of callers at
/// `rate` are drawn from the caller model, and each known customer among them is stored in the
/// colo that took the call, at the time of the call (so entries expire spread over the TTL, as
/// they would, and replicas of the last minute's are still on their way). Unknown numbers,
/// macros and malformed bodies leave nothing worth keeping.
public enum CacheWarmUp {
    /// The most calls drawn, whatever the rate and TTL.
    public static let maximumCalls = 200_000

    /// Stores the warm entries; returns how many calls found a customer to store. `now` is the
    /// caches' clock (monotonic milliseconds).
    @discardableResult
    public static func fill(
        _ caches: ColoCaches, settings: LookupSettings, model: CallerModel, colos: [String], rate: Double, seconds: Int,
        now: Int64, seed: UInt64 = 0x3A7, record: (Int) -> CRMRecord?
    ) -> Int {
        let codes = colos.compactMap(Colo.init)
        // Every colo's cache first: a write replicates only to caches that exist.
        for colo in codes { _ = caches.cache(for: colo) }
        let rates = ColoMix.rates(total: rate, colos: codes.map(\.code))
        let weights = codes.map { rates[$0.code] ?? 0 }
        let totalWeight = weights.reduce(0, +)
        guard totalWeight > 0, seconds > 0 else { return 0 }
        var rng = SplitMix64(seed: seed)
        // Bounded whatever the flags say (5,000 a second for 30 days would be 13 billion calls):
        // the demo's own callers make 15,000 in a five-minute TTL.
        let calls = Int(min(rate * Double(seconds), Double(Self.maximumCalls)))
        var stored = 0
        for index in 0..<calls {
            // Oldest first, so a later call for the same customer overwrites an earlier one.
            let age = Int64(Double(seconds) * 1000 * (1 - Double(index) / Double(calls)))
            var pick = Double.random(in: 0..<totalWeight, using: &rng)
            let colo = codes.first { pick -= rates[$0.code] ?? 0; return pick < 0 } ?? codes[0]
            let call = model.next(using: &rng)
            let customer: Int
            switch call {
            case .known(let index, _), .email(let index, _): customer = index
            default: continue
            }
            guard let request = try? LookupRequest.decode(Data(call.body.utf8)),
                  let key = LookupKey.from(ani: request.ani, email: request.email),
                  let found = record(customer) else { continue }
            caches.store(.found(found, queues: settings.queues), for: CacheKey(key), colo: colo, now: now - age,
                         ttlMillis: settings.foundTTLSeconds * 1000, staleMillis: settings.staleIfErrorMillis)
            stored += 1
        }
        return stored
    }
}
