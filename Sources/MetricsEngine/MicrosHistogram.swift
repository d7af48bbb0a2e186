/// Latency or CPU time in whole microseconds, 1 µs to 60 s, at two significant digits (1 %
/// precision): HdrHistogram's layout and arithmetic for exactly that configuration, 2,560 counts in
/// 20 half-buckets of 128.
///
/// hdrhistogram-swift computes the same values (a property test holds the two together, value for
/// value), but its percentile walk and reset are generic and not inlinable, so from another module
/// they run unspecialised: about 10 µs per percentile, five per colo per snapshot, which alone was
/// most of a 64-colo snapshot. Here everything is specialised and a snapshot's percentiles of one
/// histogram come from one walk. Pure, no allocation but the counts.
public struct MicrosHistogram: Sendable, Equatable {
    /// The largest value kept; larger ones are clamped by the caller (``Slot/micros(_:)``).
    static let highestTrackableValue: UInt64 = 60_000_000
    /// Two significant digits: single-unit resolution up to 2 × 10², so 256 sub-buckets.
    static let subBucketHalfCountMagnitude = 7
    static let subBucketHalfCount = 1 << subBucketHalfCountMagnitude
    static let subBucketCount = subBucketHalfCount * 2
    static let subBucketMask = UInt64(subBucketCount - 1)
    static let leadingZeroCountBase = 64 - (subBucketHalfCountMagnitude + 1)
    /// Buckets until 256 × 2^(n-1) exceeds the highest value: 19 for 60 s.
    static let bucketCount: Int = {
        var smallestUntrackable = UInt64(subBucketCount)
        var buckets = 1
        while smallestUntrackable <= highestTrackableValue {
            smallestUntrackable <<= 1
            buckets += 1
        }
        return buckets
    }()
    static let countsLength = (bucketCount + 1) * subBucketHalfCount

    private(set) var counts: [UInt32]
    public private(set) var totalCount: UInt64 = 0
    private(set) var maxValue: UInt64 = 0
    private(set) var minNonZeroValue: UInt64 = .max

    public init() {
        counts = Array(repeating: 0, count: Self.countsLength)
    }

    /// Counts `value` (microseconds); false, with nothing counted, past ``highestTrackableValue``'s bucket.
    @discardableResult
    public mutating func record(_ value: UInt64) -> Bool {
        let index = Self.countsIndex(for: value)
        guard index < counts.count else { return false }
        counts.withUnsafeMutableBufferPointer { $0[index] &+= 1 }
        totalCount &+= 1
        if value > maxValue { maxValue = value }
        if value < minNonZeroValue, value != 0 { minNonZeroValue = value }
        return true
    }

    /// Adds every count of `other`.
    public mutating func add(_ other: MicrosHistogram) {
        counts.withUnsafeMutableBufferPointer { target in
            other.counts.withUnsafeBufferPointer { source in
                for index in 0..<Swift.min(target.count, source.count) { target[index] &+= source[index] }
            }
        }
        totalCount &+= other.totalCount
        if other.maxValue > maxValue { maxValue = other.maxValue }
        if other.minNonZeroValue < minNonZeroValue { minNonZeroValue = other.minNonZeroValue }
    }

    /// The value at `percentile` (0 to 100), exactly as HdrHistogram's `valueAtPercentile`.
    public func valueAtPercentile(_ percentile: Double) -> UInt64 {
        values(atPercentiles: [percentile])[0]
    }

    /// The values at each of `percentiles`, from one walk of the counts.
    public func values(atPercentiles percentiles: [Double]) -> [UInt64] {
        var results = Array(repeating: UInt64(0), count: percentiles.count)
        // The count each percentile needs, walked in rising order.
        var wanted: [(count: UInt64, slot: Int)] = []
        for (slot, percentile) in percentiles.enumerated() {
            if percentile == 0 {
                results[slot] = minimum
            } else if !(percentile < 100) {  // NaN too, as HdrHistogram
                results[slot] = maxValue
            } else {
                let requested = Swift.min(Swift.max(percentile.nextDown, 0), 100)
                let needed = Swift.max(1, UInt64(((requested * Double(totalCount)) / 100).rounded(.up)))
                wanted.append((needed, slot))
            }
        }
        guard !wanted.isEmpty else { return results }
        wanted.sort { $0.count < $1.count }
        var next = 0
        var total: UInt64 = 0
        counts.withUnsafeBufferPointer { counts in
            for index in 0..<counts.count {
                total &+= UInt64(counts[index])
                while next < wanted.count, total >= wanted[next].count {
                    let value = Self.highestEquivalent(Self.value(at: index))
                    results[wanted[next].slot] = Swift.max(Swift.min(value, maxValue), minimum)
                    next += 1
                }
                if next == wanted.count { return }
            }
        }
        return results
    }

    /// Each counted value range, lowest first: its highest value and how many it holds.
    public var recordedValues: [(value: UInt64, count: UInt64)] {
        counts.indices.compactMap { index in
            counts[index] == 0 ? nil : (Self.highestEquivalent(Self.value(at: index)), UInt64(counts[index]))
        }
    }

    /// Bytes held, as HdrHistogram estimates its own (512 bytes of overhead and the counts).
    public var estimatedFootprintInBytes: Int { 512 + Self.countsLength * MemoryLayout<UInt32>.stride }

    /// HdrHistogram's `min`: 0 when a zero was counted or nothing was, else the smallest value.
    var minimum: UInt64 { counts[0] > 0 || totalCount == 0 ? 0 : minNonZeroValue }

    // MARK: HdrHistogram's arithmetic, for this layout.

    static func bucketIndex(_ value: UInt64) -> Int {
        leadingZeroCountBase - (value | subBucketMask).leadingZeroBitCount
    }

    static func countsIndex(for value: UInt64) -> Int {
        let bucket = bucketIndex(value)
        let subBucket = Int(value >> bucket)
        return (bucket + 1) << subBucketHalfCountMagnitude + (subBucket - subBucketHalfCount)
    }

    static func value(at index: Int) -> UInt64 {
        var bucket = (index >> subBucketHalfCountMagnitude) - 1
        var subBucket = (index & (subBucketHalfCount - 1)) + subBucketHalfCount
        if bucket < 0 {
            subBucket -= subBucketHalfCount
            bucket = 0
        }
        return UInt64(subBucket) << bucket
    }

    static func lowestEquivalent(_ value: UInt64) -> UInt64 {
        let bucket = bucketIndex(value)
        return UInt64(Int(value >> bucket)) << bucket
    }

    static func sizeOfEquivalentRange(_ value: UInt64) -> UInt64 {
        let bucket = bucketIndex(value)
        return UInt64(1) << (Int(value >> bucket) >= subBucketCount ? bucket + 1 : bucket)
    }

    static func highestEquivalent(_ value: UInt64) -> UInt64 {
        lowestEquivalent(value) + sizeOfEquivalentRange(value) - 1
    }

    /// The middle of the value range `value` falls in.
    public static func medianEquivalent(_ value: UInt64) -> UInt64 {
        lowestEquivalent(value) + (sizeOfEquivalentRange(value) >> 1)
    }
}
