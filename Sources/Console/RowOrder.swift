import MetricsEngine

/// The colo table's columns, in their order on screen; each can be the sort key.
public enum SortColumn: String, CaseIterable, Sendable {
    case colo, rate = "req/s", p50, p95, hit = "hit%", stale = "stale%", crm = "crm%", cpu, state
}

extension DashboardState {
    /// Rows in display order (filtered, sorted, ALL last).
    public var rows: [ColoRow] {
        guard let snapshot else { return [] }
        return RowOrder.sorted(snapshot.colos.filter { RowOrder.matches($0, filter: filter) }, by: sort, reversed: sortReversed) + [snapshot.all]
    }
}

/// Filtering and sorting the colo table, k9s and htop style.
enum RowOrder {
    /// A colo code prefix, or a state name (`ALERT`, `WARN`, `OK`, `NO DATA`, `LOW DATA`) matching
    /// what the row's STATE column says.
    static func matches(_ row: ColoRow, filter: String?) -> Bool {
        guard let filter = filter?.uppercased(), !filter.isEmpty else { return true }
        // `NODATA` and `LOWDATA` too: the filter takes letters and digits only.
        if let state = ShownState.allCases.first(where: { $0.rawValue.replacingOccurrences(of: " ", with: "") == filter }) {
            return row.shownWorst == state
        }
        return row.colo.uppercased().hasPrefix(filter)
    }

    /// Sorted by `column`, on the exact values: the worst first (highest latency, error rate and
    /// CPU, lowest hit rate, worst state, counting a state held behind LOW DATA), A to Z by colo;
    /// `reversed` turns the order around.
    /// Rows with no value for the column come last either way; ties go by colo.
    static func sorted(_ rows: [ColoRow], by column: SortColumn, reversed: Bool) -> [ColoRow] {
        if column == .colo { return rows.sorted { reversed ? $0.colo > $1.colo : $0.colo < $1.colo } }
        let keyed = rows.map { (row: $0, key: key($0, column)) }
        return keyed.sorted { a, b in
            switch (a.key, b.key) {
            case (nil, nil): return a.row.colo < b.row.colo
            case (nil, _): return false
            case (_, nil): return true
            case (let x?, let y?):
                if x != y { return reversed ? x > y : x < y }
                return a.row.colo < b.row.colo
            }
        }.map(\.row)
    }

    /// The value a row sorts by, smaller first; nil when the row has none.
    static func key(_ row: ColoRow, _ column: SortColumn) -> Double? {
        let f = row.figures
        func descending(_ figure: Figure) -> Double? { figure.value.map { -$0 } }
        switch column {
        case .colo: return 0
        case .rate: return descending(f.requestRate)
        case .p50: return descending(f.p50LatencyMs)
        case .p95: return descending(f.p95LatencyMs)
        case .hit: return f.cacheHitRate.value
        case .stale: return descending(f.staleRate)
        case .crm: return descending(f.crmErrorRate)
        case .cpu: return descending(f.cpuP95Ms)
        case .state: return -Double(ShownState.allCases.firstIndex(of: row.attention)!)
        }
    }
}
