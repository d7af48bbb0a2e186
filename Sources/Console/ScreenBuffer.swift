/// Colours a cell can have. `.normal` is the terminal's default.
public enum Color: Sendable, Equatable {
    case normal, green, yellow, red, cyan, grey
}

/// How a cell looks.
public struct Style: Sendable, Equatable {
    public var color: Color = .normal
    public var bold = false
    public var reverse = false
    public var dim = false

    public init(color: Color = .normal, bold: Bool = false, reverse: Bool = false, dim: Bool = false) {
        self.color = color
        self.bold = bold
        self.reverse = reverse
        self.dim = dim
    }

    public static let plain = Style()
    public static let title = Style(color: .cyan, bold: true)
    public static let heading = Style(bold: true)
    public static let muted = Style(color: .grey, dim: true)
    public static let banner = Style(color: .red, bold: true, reverse: true)
    /// An earlier moment shown instead of the live figures.
    public static let rewound = Style(color: .yellow, bold: true, reverse: true)
}

/// One character cell.
public struct Cell: Sendable, Equatable {
    public var character: Character
    public var style: Style
    public static let blank = Cell(character: " ", style: .plain)
}

/// The whole screen as cells: panels draw into it, the terminal backend copies it out, and
/// tests read it back as text.
public struct ScreenBuffer: Sendable, Equatable {
    public let width: Int
    public let height: Int
    public private(set) var cells: [Cell]

    public init(width: Int, height: Int) {
        self.width = max(0, width)
        self.height = max(0, height)
        cells = Array(repeating: .blank, count: self.width * self.height)
    }

    public subscript(x: Int, y: Int) -> Cell {
        cells[y * width + x]
    }

    /// Writes `text` from (x, y), clipped to the buffer and to `limit` columns. Text that does not
    /// fit ends in `…` (unless `ellipsis` is false, for runs of bars and blocks). Returns the
    /// column after the last character written.
    @discardableResult
    public mutating func write(_ text: String, x: Int, y: Int, style: Style = .plain, limit: Int? = nil, ellipsis: Bool = true) -> Int {
        guard y >= 0, y < height else { return x }
        let end = min(width, limit.map { x + $0 } ?? width)
        var column = x
        var index = text.startIndex
        while index < text.endIndex {
            if column >= end {
                // Cut: the last cell says so. Trailing spaces that do not fit are no loss.
                if ellipsis, text[index...].contains(where: { $0 != " " }), column - 1 >= max(0, x) {
                    cells[y * width + column - 1] = Cell(character: "…", style: style)
                }
                break
            }
            if column >= 0 { cells[y * width + column] = Cell(character: text[index], style: style) }
            column += 1
            index = text.index(after: index)
        }
        return column
    }

    /// Paints a style over a run of cells without changing their characters.
    public mutating func paint(x: Int, y: Int, length: Int, style: Style) {
        guard y >= 0, y < height else { return }
        for column in max(0, x)..<min(width, x + length) { cells[y * width + column].style = style }
    }

    /// Fills a row range with blanks in `style`.
    public mutating func fill(y: Int, style: Style) {
        guard y >= 0, y < height else { return }
        for column in 0..<width { cells[y * width + column] = Cell(character: " ", style: style) }
    }

    /// Each row as text, trailing spaces kept.
    public var lines: [String] {
        (0..<height).map { row in String(cells[(row * width)..<((row + 1) * width)].map(\.character)) }
    }

    /// The whole screen as one string (rows joined by newlines, trailing spaces trimmed).
    public var text: String {
        lines.map { line in String(line.reversed().drop(while: { $0 == " " }).reversed()) }.joined(separator: "\n")
    }

    /// The style of the first cell where `needle` appears on row `y`, if it does.
    public func style(of needle: String, onRow y: Int) -> Style? {
        guard let range = lines[y].range(of: needle) else { return nil }
        let x = lines[y].distance(from: lines[y].startIndex, to: range.lowerBound)
        return self[x, y].style
    }

    /// The row index of the first line containing `needle`.
    public func row(containing needle: String) -> Int? {
        lines.firstIndex { $0.contains(needle) }
    }
}
