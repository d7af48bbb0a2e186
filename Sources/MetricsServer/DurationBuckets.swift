import Prometheus

/// One Prometheus histogram of durations (one label set): a count per bucket, the sum and the
/// count, written in the text format exactly as swift-prometheus writes its own.
///
/// swift-prometheus takes a lock and compares every bucket's `Duration` on each observation; the
/// pump records two per lookup, so here an observation is a few integer comparisons, made under
/// ``PrometheusExport``'s one lock per batch. It is a class so a batch updates it where it lies
/// in that table, and it is only ever touched under that lock.
final class DurationBuckets {
    /// Upper bounds, in nanoseconds, ascending.
    let bounds: [Int64]
    private let renderedBounds: [String]
    /// Observations per bucket (not cumulative); the last is above every bound.
    private var counts: [Int]
    private var sumNanos: Int64 = 0
    private var overflowSum: Duration = .zero
    private(set) var count = 0

    init(bounds: [Duration]) {
        let sorted = bounds.sorted()
        self.bounds = sorted.map { Self.nanoseconds($0) }
        renderedBounds = sorted.map(\.bucketRepresentation)
        counts = Array(repeating: 0, count: sorted.count + 1)
    }

    /// Records one duration of `nanos` nanoseconds (negative ones as zero).
    func record(nanos: Int64) {
        let value = max(0, nanos)
        var index = 0
        while index < bounds.count, value > bounds[index] { index += 1 }
        counts[index] += 1
        count += 1
        // The sum moves to a `Duration` before it could overflow (each value is at most an hour).
        let (sum, overflow) = sumNanos.addingReportingOverflow(value)
        if overflow {
            overflowSum += .nanoseconds(sumNanos)
            sumNanos = value
        } else {
            sumNanos = sum
        }
    }

    var sum: Duration { overflowSum + .nanoseconds(sumNanos) }

    /// What it holds now, to be written out after the lock is let go.
    var snapshot: Snapshot { Snapshot(renderedBounds: renderedBounds, counts: counts, sum: sum, count: count) }

    struct Snapshot {
        let renderedBounds: [String]
        let counts: [Int]
        let sum: Duration
        let count: Int

        /// The bucket, sum and count lines for `name` with `labels` (already rendered:
        /// `colo="LHR"`).
        func emit(name: String, labels: String, into buffer: inout [UInt8]) {
            var cumulative = 0
            for (bound, count) in zip(renderedBounds, counts) {
                cumulative += count
                buffer.append(contentsOf: "\(name)_bucket{\(labels),le=\"\(bound)\"} \(cumulative)\n".utf8)
            }
            buffer.append(contentsOf: "\(name)_bucket{\(labels),le=\"+Inf\"} \(count)\n".utf8)
            buffer.append(contentsOf: "\(name)_sum{\(labels)} \(sum.bucketRepresentation)\n".utf8)
            buffer.append(contentsOf: "\(name)_count{\(labels)} \(count)\n".utf8)
        }
    }

    static func nanoseconds(_ duration: Duration) -> Int64 {
        let (seconds, attoseconds) = duration.components
        return seconds * 1_000_000_000 + attoseconds / 1_000_000_000
    }

    /// A label value in the text format: backslash, double quote and line feed escaped.
    static func escapedLabel(_ value: String) -> String {
        var out = ""
        out.reserveCapacity(value.utf8.count)
        for character in value.unicodeScalars {
            switch character {
            case "\\": out += "\\\\"
            case "\"": out += "\\\""
            case "\n": out += "\\n"
            default: out.unicodeScalars.append(character)
            }
        }
        return out
    }
}
