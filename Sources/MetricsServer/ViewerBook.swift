import Synchronization

/// The consoles (and scripts) reading a server's figures, each holding a lease renewed by every
/// read: a bound on how many are served at once. Pure: every call takes the time.
///
/// A viewer is named by its `X-Edgewatch-Viewer` header (an attached console sends one), or by
/// its address. A new viewer past ``capacity`` live leases is turned away (and counted) until a
/// lease runs out: a console that detaches stops reading, and its lease ends ``leaseMillis`` later.
public struct ViewerBook: Sendable {
    /// Consoles that may read at once.
    public static let defaultCapacity = 32
    /// How long a viewer stays counted after its last read.
    public static let leaseMillis: Int64 = 10_000

    public let capacity: Int
    private var leases: [String: Int64] = [:]
    /// Reads turned away because the book was full.
    public private(set) var refused = 0

    public init(capacity: Int = ViewerBook.defaultCapacity) {
        self.capacity = max(1, capacity)
    }

    /// Renews `viewer`'s lease, or gives it one if there is room; false when there is none.
    public mutating func admit(_ viewer: String, nowMillis: Int64) -> Bool {
        if leases[viewer] != nil {
            leases[viewer] = nowMillis
            return true
        }
        if leases.count >= capacity { expire(nowMillis: nowMillis) }
        guard leases.count < capacity else {
            refused += 1
            return false
        }
        leases[viewer] = nowMillis
        return true
    }

    /// Viewers whose lease is live at `nowMillis`.
    public mutating func count(nowMillis: Int64) -> Int {
        expire(nowMillis: nowMillis)
        return leases.count
    }

    private mutating func expire(nowMillis: Int64) {
        leases = leases.filter { nowMillis - $0.value < Self.leaseMillis }
    }
}

/// A ``ViewerBook`` shared by the read routes.
public final class Viewers: Sendable {
    private let book: Mutex<ViewerBook>
    private let now: @Sendable () -> Int64

    /// `now` is monotonic milliseconds.
    public init(capacity: Int = ViewerBook.defaultCapacity, now: @escaping @Sendable () -> Int64) {
        book = Mutex(ViewerBook(capacity: capacity))
        self.now = now
    }

    public var capacity: Int { book.withLock { $0.capacity } }

    func admit(_ viewer: String) -> Bool {
        let time = now()
        return book.withLock { $0.admit(viewer, nowMillis: time) }
    }

    /// Viewers attached now, and reads refused since start.
    public var counts: (attached: Int, refused: Int) {
        let time = now()
        return book.withLock { ($0.count(nowMillis: time), $0.refused) }
    }
}
