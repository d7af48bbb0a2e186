import CoreMetrics

extension CoreMetrics.Counter {
    /// Moves this counter on to a running total read elsewhere: it is incremented by what the
    /// total gained since `exported`, which then holds the total. Totals only go up, so a reading
    /// older than one already exported (two scrapes that overlap) adds nothing, rather than
    /// setting the baseline back and counting the difference twice.
    func advance<Total: BinaryInteger>(_ exported: inout Total, to total: Total) {
        guard total > exported else { return }
        increment(by: Int64(total - exported))
        exported = total
    }
}
