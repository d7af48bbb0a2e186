/// p95 and hit rate (ALL) over the last minutes, one column a second, with ┃ marks where a
/// flush or fault change happened.
enum SparklinePanel {
    static let blocks: [Character] = ["▁", "▂", "▃", "▄", "▅", "▆", "▇", "█"]

    static func render(_ state: DashboardState, into buffer: inout ScreenBuffer, x: Int, top: Int, width: Int) {
        let labelWidth = 14
        let span = max(1, width - labelWidth)
        let points = Array(state.history.suffix(span))
        buffer.write("HISTORY · ALL · last \(points.count)s · ┃ = flush or fault change", x: x, y: top, style: .heading, limit: width)
        let p95s = points.compactMap(\.p95)
        let ceiling = max(p95s.max() ?? 1, 1)
        row(label: "p95 ≤" + FigureText.milliseconds(ceiling) + "ms", values: points.map(\.p95), ceiling: ceiling,
            marks: points.map(\.marked), into: &buffer, x: x, y: top + 1, labelWidth: labelWidth, span: span)
        row(label: "hit % 0–100", values: points.map(\.hitRate), ceiling: 100,
            marks: points.map(\.marked), into: &buffer, x: x, y: top + 2, labelWidth: labelWidth, span: span)
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
