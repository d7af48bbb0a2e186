import Atomics
import Synchronization

/// Every colo's cache. Each colo has its own ``ResponseCache``, made when the colo is first
/// seen; past `maximumColos` new colos share the `OTHER` cache, so memory has a bound.
///
/// Finding a colo's cache takes no lock: each possible code has a lazily set atomic slot.
public final class ColoCaches: Sendable {
    public let capacityPerColo: Int
    public let maximumColos: Int
    private let slots: [ManagedAtomicLazyReference<ResponseCache>]
    private let known = Mutex<[Colo]>([])

    public init(capacityPerColo: Int = 100_000, maximumColos: Int = 64) {
        precondition(capacityPerColo > 0 && maximumColos > 0)
        self.capacityPerColo = capacityPerColo
        self.maximumColos = maximumColos
        slots = (0..<Colo.slotCount).map { _ in ManagedAtomicLazyReference() }
    }

    /// The cache that serves `colo`, creating it on first use.
    public func cache(for colo: Colo) -> ResponseCache {
        if let cache = slots[colo.slot].load() { return cache }
        return known.withLock { known in
            if let cache = slots[colo.slot].load() { return cache }
            if known.count < maximumColos || colo == .other {
                known.append(colo)
                return slots[colo.slot].storeIfNilThenLoad(ResponseCache(capacity: capacityPerColo))
            }
            // Over the cap: share OTHER's cache, and remember that in this colo's slot too so
            // its later lookups stay lock-free.
            let shared = slots[Colo.other.slot].load() ?? {
                known.append(.other)
                return slots[Colo.other.slot].storeIfNilThenLoad(ResponseCache(capacity: capacityPerColo))
            }()
            return slots[colo.slot].storeIfNilThenLoad(shared)
        }
    }

    /// Colos that have a cache, in code order.
    public var colos: [Colo] { known.withLock { $0 }.sorted() }

    /// Entries held by one colo's cache, or by all when `colo` is nil.
    public func entryCount(colo: Colo? = nil) -> Int {
        selected(colo).reduce(0) { $0 + $1.count }
    }

    /// Empties one colo's cache, or every cache when `colo` is nil. Returns the entries dropped.
    @discardableResult
    public func flush(colo: Colo? = nil) -> Int {
        selected(colo).reduce(0) { $0 + $1.flush() }
    }

    private func selected(_ colo: Colo?) -> [ResponseCache] {
        let colos = colo.map { [$0] } ?? self.colos
        return colos.compactMap { slots[$0.slot].load() }
    }
}
