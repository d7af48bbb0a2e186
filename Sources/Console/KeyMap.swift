import FaultCatalog

/// A key press, as the terminal backend reports it.
public enum Key: Hashable, Sendable {
    case character(Character)
    case up, down, left, right, escape, enter, resize, backspace
}

/// What a key asks for. The key map ties keys to commands; the help overlay is drawn from it.
public enum Command: Hashable, Sendable {
    case quit, help, pause, widerWindow, narrowerWindow, selectNext, selectPrevious, nextSort
    case flushAll, flushSelected, toggleFault(FaultKind), clearFaults, fasterTraffic, slowerTraffic, dump, filter
    case openDetail
}

public struct KeyBinding: Sendable {
    public var keys: [Key]
    /// How the help overlay names the keys.
    public var label: String
    public var command: Command
    /// The word on the hint line; bindings sharing a word share one hint (`+/- window`).
    public var hint: String?
    /// How the hint line names the key.
    public var hintKey: String

    public init(keys: [Key], label: String, command: Command, hint: String? = nil, hintKey: String? = nil) {
        self.keys = keys
        self.label = label
        self.command = command
        self.hint = hint
        self.hintKey = hintKey ?? label
    }
}

/// The key map: data, read by the reducer and shown by `?`.
public enum KeyMap {
    public static let bindings: [KeyBinding] = [
        .init(keys: [.character("q")], label: "q, Ctrl-C", command: .quit, hint: "quit", hintKey: "q"),
        .init(keys: [.character("?")], label: "?", command: .help, hint: "help"),
        .init(keys: [.character("+"), .character("=")], label: "+", command: .widerWindow, hint: "window"),
        .init(keys: [.character("-")], label: "-", command: .narrowerWindow, hint: "window"),
        .init(keys: [.up, .character("k")], label: "↑ / k", command: .selectPrevious, hint: "select", hintKey: "↑"),
        .init(keys: [.down, .character("j")], label: "↓ / j", command: .selectNext, hint: "select", hintKey: "↓"),
        .init(keys: [.enter, .right], label: "Enter / →", command: .openDetail, hint: "detail", hintKey: "⏎"),
        .init(keys: [.character("F")], label: "F", command: .flushAll, hint: "flush"),
        .init(keys: [.character("f")], label: "f", command: .flushSelected, hint: "flush"),
    ] + FaultKind.allCases.map { kind in
        KeyBinding(keys: [.character(kind.key)], label: String(kind.key), command: .toggleFault(kind), hint: "faults")
    } + [
        .init(keys: [.character("0")], label: "0", command: .clearFaults, hint: "clear"),
        // After the faults: on an 80-column hint line these are the hints that give way (`?` lists them).
        .init(keys: [.character("p")], label: "p", command: .pause, hint: "pause"),
        .init(keys: [.character("s")], label: "s", command: .nextSort, hint: "sort"),
        .init(keys: [.character("[")], label: "[", command: .slowerTraffic, hint: "rate"),
        .init(keys: [.character("]")], label: "]", command: .fasterTraffic, hint: "rate"),
        .init(keys: [.character("w")], label: "w", command: .dump, hint: "dump"),
        .init(keys: [.character("/")], label: "/", command: .filter, hint: "filter"),
    ]

    /// The hint line, built from the bindings: the widest form that fits `width`, dropping the
    /// last hints when even the tight form does not.
    /// In the detail view the line starts with `Esc back`, `↑↓` move to the next colo, and the
    /// table's own keys (detail, sort, filter) are left out.
    public static func hintLine(width: Int, detail: Bool = false) -> String {
        var groups: [(keys: [String], word: String)] = detail ? [(["Esc"], "back")] : []
        for binding in bindings {
            guard var word = binding.hint else { continue }
            if detail {
                if [.openDetail, .nextSort, .filter].contains(binding.command) { continue }
                if word == "select" { word = "colo" }
            }
            if let index = groups.firstIndex(where: { $0.word == word }) {
                groups[index].keys.append(binding.hintKey)
            } else {
                groups.append(([binding.hintKey], word))
            }
        }
        func render(_ groups: ArraySlice<(keys: [String], word: String)>, tight: Bool) -> String {
            groups.map { group in
                let keys = group.keys.joined(separator: tight ? "" : group.keys.count > 2 ? " " : "/")
                return keys + " " + group.word
            }.joined(separator: tight ? " " : "  ")
        }
        var shown = groups[...]
        while !shown.isEmpty {
            for tight in [false, true] {
                let line = render(shown, tight: tight)
                if line.count <= width { return line }
            }
            shown = shown.dropLast()
        }
        return ""
    }

    public static func command(for key: Key) -> Command? {
        bindings.first { $0.keys.contains(key) }?.command
    }

    public static func describe(_ command: Command) -> String {
        switch command {
        case .quit: "quit"
        case .help: "this help (Esc closes it)"
        case .pause: "pause the display (ingest goes on)"
        case .widerWindow: "longer window"
        case .narrowerWindow: "shorter window"
        case .selectNext: "select next colo"
        case .selectPrevious: "select previous colo"
        case .nextSort: "next sort column"
        case .flushAll: "flush the whole cache (asks y/N)"
        case .flushSelected: "flush the selected colo's cache (asks y/N)"
        case .toggleFault(let fault): "toggle " + fault.summary
        case .clearFaults: "clear every fault"
        case .fasterTraffic: "more synthetic traffic"
        case .slowerTraffic: "less synthetic traffic"
        case .dump: "write the screen and /api/snapshot to files (for a ticket)"
        case .filter: "filter colos by code or state (/SIN, /ALERT); Esc clears"
        case .openDetail: "the selected colo up close (Esc goes back)"
        }
    }
}
