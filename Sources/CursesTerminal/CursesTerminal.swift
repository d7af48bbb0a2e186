import CNCurses
import Console

/// The only code that talks to ncurses: it copies a ``ScreenBuffer`` to the terminal and reads
/// keys. Every call must come from one thread or actor (the caller owns that).
public final class CursesTerminal {
    public enum StartError: Error, CustomStringConvertible {
        case notATerminal
        case unusableTerm(String)

        public var description: String {
            switch self {
            case .notATerminal: "standard input and output must both be a terminal"
            case .unusableTerm(let term): "the terminal type TERM=\(term.isEmpty ? "(unset)" : term) cannot be used"
            }
        }
    }

    private let screen: OpaquePointer
    private let window: UnsafeMutablePointer<WINDOW>
    private let useColor: Bool
    private var previous: ScreenBuffer?
    private var closed = false

    /// Opens the screen. Fails (never exits the process) when stdin/stdout are not a TTY or
    /// TERM is unusable.
    public init(noColor: Bool, term: String) throws(StartError) {
        guard isatty(0) == 1, isatty(1) == 1 else { throw .notATerminal }
        _ = cn_setlocale_utf8()
        guard let screen = newterm(nil, cn_stdout(), cn_stdin()), let window = cn_stdscr() else {
            throw .unusableTerm(term)
        }
        self.screen = screen
        self.window = window
        cbreak()
        noecho()
        nonl()
        keypad(window, true)
        nodelay(window, true)
        _ = curs_set(0)
        set_escdelay(25)
        useColor = !noColor && has_colors()
        if useColor {
            start_color()
            use_default_colors()
            init_pair(1, Int16(COLOR_GREEN), -1)
            init_pair(2, Int16(COLOR_YELLOW), -1)
            init_pair(3, Int16(COLOR_RED), -1)
            init_pair(4, Int16(COLOR_CYAN), -1)
            init_pair(5, Int16(cn_colors() > 8 ? 244 : Int32(COLOR_WHITE)), -1)
        }
    }

    /// Columns and rows.
    public var size: (width: Int, height: Int) {
        (Int(getmaxx(window)), Int(getmaxy(window)))
    }

    /// The next key, or nil when none is waiting.
    public func nextKey() -> Key? {
        var character: wint_t = 0
        let kind = wget_wch(window, &character)
        switch kind {
        case KEY_CODE_YES:
            switch Int32(character) {
            case KEY_UP: return .up
            case KEY_DOWN: return .down
            case KEY_LEFT: return .left
            case KEY_RIGHT: return .right
            case KEY_ENTER: return .enter
            case KEY_BACKSPACE: return .backspace
            case KEY_RESIZE:
                previous = nil
                return .resize
            default: return nil
            }
        case OK:
            switch character {
            case 27: return .escape
            case 10, 13: return .enter
            case 8, 127: return .backspace
            default: return Unicode.Scalar(UInt32(character)).map { .character(Character($0)) }
            }
        default:
            return nil
        }
    }

    /// Draws the buffer, rewriting only rows that changed since the last frame.
    public func draw(_ buffer: ScreenBuffer) {
        let full = previous == nil || previous!.width != buffer.width || previous!.height != buffer.height
        if full { werase(window) }
        for y in 0..<buffer.height {
            if !full, let previous, rowEqual(previous, buffer, y) { continue }
            var x = 0
            while x < buffer.width {
                let style = buffer[x, y].style
                var run = ""
                let start = x
                while x < buffer.width, buffer[x, y].style == style {
                    run.append(buffer[x, y].character)
                    x += 1
                }
                let attributes = attributes(for: style)
                wattrset(window, attributes)
                // The last cell of the screen would scroll it; leave it out.
                let text = (y == buffer.height - 1 && x == buffer.width) ? String(run.dropLast()) : run
                _ = mvwaddstr(window, Int32(y), Int32(start), text)
            }
        }
        wattrset(window, 0)
        wnoutrefresh(window)
        doupdate()
        previous = buffer
    }

    private func rowEqual(_ a: ScreenBuffer, _ b: ScreenBuffer, _ y: Int) -> Bool {
        (0..<b.width).allSatisfy { a[$0, y] == b[$0, y] }
    }

    private func attributes(for style: Style) -> Int32 {
        var value: Int32 = 0
        if style.bold { value |= cn_a_bold() }
        if style.reverse { value |= cn_a_reverse() }
        if style.dim { value |= cn_a_dim() }
        if useColor {
            let pair: Int32 = switch style.color {
            case .normal: 0
            case .green: 1
            case .yellow: 2
            case .red: 3
            case .cyan: 4
            case .grey: 5
            }
            value |= COLOR_PAIR(pair)
        }
        return value
    }

    /// Restores the terminal. Safe to call more than once.
    public func close() {
        guard !closed else { return }
        closed = true
        endwin()
        delscreen(screen)
    }

    deinit { close() }
}
