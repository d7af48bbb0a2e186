/// p95 and hit rate (ALL) over the last minutes, one column a second, with ┃ marks where a
/// flush or fault change happened.
enum SparklinePanel {
    static let blocks: [Character] = ["▁", "▂", "▃", "▄", "▅", "▆", "▇", "█"]
    /// The most seconds a drawn second is repeated over seconds not drawn.
    static let holdSeconds = 30

    static func render(_ state: DashboardState, into buffer: inout ScreenBuffer, x: Int, top: Int, width: Int) {
        let labelWidth = 14
        let span = max(1, width - labelWidth)
        // One column a second by the clock shown (a fast replay's seconds between two redraws
        // stay blank): the label says how much time the columns cover, not how many points.
        let last = state.history.last?.time ?? 0
        let first = last - Int64(span - 1) * 1000
        var values: [Double?] = Array(repeating: nil, count: span), hits: [Double?] = values
        var marks = Array(repeating: false, count: span)
        var filled = Array(repeating: false, count: span)
        for point in state.history where point.time >= first {
            let column = Int((point.time - first) / 1000)
            values[column] = point.p95
            hits[column] = point.hitRate
            marks[column] = marks[column] || point.marked
            filled[column] = true
        }
        // A fast replay moves several seconds between two redraws: those seconds repeat the one
        // drawn before them (a window's figures move slowly), up to ``holdSeconds``.
        var drawn: Int?
        for column in values.indices {
            if filled[column] { drawn = column; continue }
            guard let from = drawn, column - from <= Self.holdSeconds else { continue }
            values[column] = values[from]
            hits[column] = hits[from]
        }
        let covered = state.history.first.map { Int((last - max($0.time, first)) / 1000) + 1 } ?? 0
        let start = max(0, span - covered)
        buffer.write("HISTORY · ALL · last \(FigureText.duration(Int64(covered) * 1000)) · ┃ = flush or fault change", x: x, y: top, style: .heading, limit: width)
        let p95s = values.compactMap { $0 }
        let ceiling = max(p95s.max() ?? 1, 1)
        row(label: "p95 ≤" + FigureText.value(ceiling, unit: "ms") + "ms", values: Array(values[start...]), ceiling: ceiling,
            marks: Array(marks[start...]), into: &buffer, x: x, y: top + 1, labelWidth: labelWidth, span: span)
        row(label: "hit % 0–100", values: Array(hits[start...]), ceiling: 100,
            marks: Array(marks[start...]), into: &buffer, x: x, y: top + 2, labelWidth: labelWidth, span: span)
    }

    static func row(
        label: String, values: [Double?], ceiling: Double, marks: [Bool],
        into buffer: inout ScreenBuffer, x: Int, y: Int, labelWidth: Int, span: Int
    ) {
        buffer.write(label, x: x, y: y, style: .muted, limit: labelWidth - 1)
        var column = x + labelWidth
        for (index, value) in values.enumerated() {
            let character: Character
            if let value {
                let level = Int((max(0, min(value, ceiling)) / ceiling * Double(blocks.count - 1)).rounded())
                character = blocks[level]
            } else {
                character = " "
            }
            buffer.write(String(marks[index] ? "┃" : character), x: column, y: y,
                         style: marks[index] ? Style(color: .yellow, bold: true) : Style(color: .cyan))
            column += 1
        }
    }
}
