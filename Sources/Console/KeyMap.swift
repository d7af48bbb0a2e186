import FaultCatalog

/// A key press, as the terminal backend reports it.
public enum Key: Hashable, Sendable {
    case character(Character)
    case up, down, left, right, escape, enter, resize, backspace
}

/// What a key asks for. The key map ties keys to commands; the help overlay is drawn from it.
public enum Command: Hashable, Sendable {
    case quit, help, pause, widerWindow, narrowerWindow, selectNext, selectPrevious
    case nextSort, previousSort, invertSort
    case flushAll, flushSelected, toggleFault(FaultKind), clearFaults, fasterTraffic, slowerTraffic, dump, filter
    case openDetail
    /// A replay's player: pause or play, move by seconds, change the speed.
    case playPause, seek(seconds: Int), fasterPlayback, slowerPlayback
    /// Show the figures as they were this many seconds before (or after) the moment shown; back
    /// to the live figures.
    case rewind(seconds: Int), backToLive
}

/// The kinds of ``Mode``: which keys work.
public enum ModeKind: Hashable, Sendable, CaseIterable {
    case live, watch, replay, attached
}

/// What the process behind the screen can do: keys for what it cannot are not offered.
public struct Capabilities: OptionSet, Hashable, Sendable {
    public let rawValue: Int
    public init(rawValue: Int) { self.rawValue = rawValue }
    /// Caches to flush.
    public static let flush = Capabilities(rawValue: 1)
    /// The embedded CRM simulator, whose faults the keys switch.
    public static let faults = Capabilities(rawValue: 2)
    /// Synthetic callers, whose rate the keys change.
    public static let traffic = Capabilities(rawValue: 4)
    /// A recording's player.
    public static let playback = Capabilities(rawValue: 8)
    /// Earlier figures: the engine's kept snapshots, and a recording when there is one.
    public static let rewind = Capabilities(rawValue: 16)

    /// What each mode can do at most.
    public static func all(for mode: ModeKind) -> Capabilities {
        switch mode {
        case .live: [.flush, .faults, .traffic, .rewind]
        case .watch: [.rewind]
        case .replay: [.playback]
        case .attached: [.flush, .rewind]
        }
    }
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
    /// The modes the key works in; the hint line and the help show it only there.
    public var modes: Set<ModeKind>
    /// What the process must be able to do for the key to work.
    public var needs: Capabilities

    public init(keys: [Key], label: String, command: Command, hint: String? = nil, hintKey: String? = nil,
                modes: Set<ModeKind> = Set(ModeKind.allCases), needs: Capabilities = []) {
        self.keys = keys
        self.label = label
        self.command = command
        self.hint = hint
        self.hintKey = hintKey ?? label
        self.modes = modes
        self.needs = needs
    }
}

/// The key map: data, read by the reducer and shown by `?` and the hint line.
public enum KeyMap {
    public static let bindings: [KeyBinding] = [
        .init(keys: [.character("q")], label: "q Ctrl-C", command: .quit, hint: "quit", hintKey: "q"),
        .init(keys: [.character("?")], label: "?", command: .help, hint: "help"),
        // A replay's player first: on its hint line they matter most.
        .init(keys: [.character(" "), .character("p")], label: "Space p", command: .playPause, hint: "play", hintKey: "␣", modes: [.replay], needs: .playback),
        .init(keys: [.character(",")], label: ",", command: .seek(seconds: -10), hint: "seek", modes: [.replay], needs: .playback),
        .init(keys: [.character(".")], label: ".", command: .seek(seconds: 10), hint: "seek", modes: [.replay], needs: .playback),
        .init(keys: [.character("{")], label: "{", command: .seek(seconds: -60), hint: "seek", modes: [.replay], needs: .playback),
        .init(keys: [.character("}")], label: "}", command: .seek(seconds: 60), hint: "seek", modes: [.replay], needs: .playback),
        .init(keys: [.character("[")], label: "[", command: .slowerPlayback, hint: "speed", modes: [.replay], needs: .playback),
        .init(keys: [.character("]")], label: "]", command: .fasterPlayback, hint: "speed", modes: [.replay], needs: .playback),
        .init(keys: [.character("+"), .character("=")], label: "+", command: .widerWindow, hint: "window"),
        .init(keys: [.character("-")], label: "-", command: .narrowerWindow, hint: "window"),
        .init(keys: [.up, .character("k")], label: "↑ k", command: .selectPrevious, hint: "select", hintKey: "↑"),
        .init(keys: [.down, .character("j")], label: "↓ j", command: .selectNext, hint: "select", hintKey: "↓"),
        .init(keys: [.enter, .right], label: "Enter →", command: .openDetail, hint: "detail", hintKey: "⏎"),
        .init(keys: [.character("F")], label: "F", command: .flushAll, hint: "flush", modes: [.live, .attached], needs: .flush),
        .init(keys: [.character("f")], label: "f", command: .flushSelected, hint: "flush", modes: [.live, .attached], needs: .flush),
    ] + FaultKind.allCases.map { kind in
        KeyBinding(keys: [.character(kind.key)], label: String(kind.key), command: .toggleFault(kind), hint: "faults", modes: [.live], needs: .faults)
    } + [
        .init(keys: [.character("0")], label: "0", command: .clearFaults, hint: "clear", modes: [.live], needs: .faults),
        // After the faults: on an 80-column hint line these are the hints that give way (`?` lists them).
        .init(keys: [.character("p"), .character(" ")], label: "p Space", command: .pause, hint: "pause", hintKey: "p", modes: [.live, .watch, .attached]),
        .init(keys: [.character("<")], label: "<", command: .previousSort, hint: "sort"),
        .init(keys: [.character(">"), .character("s")], label: "> s", command: .nextSort, hint: "sort", hintKey: ">"),
        .init(keys: [.character("I")], label: "I", command: .invertSort, hint: "sort"),
        .init(keys: [.character("/")], label: "/", command: .filter, hint: "filter"),
        .init(keys: [.character("w")], label: "w", command: .dump, hint: "dump"),
        .init(keys: [.character("[")], label: "[", command: .slowerTraffic, hint: "rate", modes: [.live], needs: .traffic),
        .init(keys: [.character("]")], label: "]", command: .fasterTraffic, hint: "rate", modes: [.live], needs: .traffic),
        // Back through what was kept: 10 s, a minute, an hour a key, as a replay's player seeks.
    ] + [(",", -10), (".", 10), ("{", -60), ("}", 60), ("(", -3600), (")", 3600)].map { key, seconds in
        // The hint line names the 10-second keys; `?` lists the others.
        KeyBinding(keys: [.character(Character(key))], label: key, command: .rewind(seconds: seconds), hint: "rewind",
                   hintKey: abs(seconds) == 10 ? key : "", modes: [.live, .watch, .attached], needs: .rewind)
    } + [
        // On the rewind line of the help; the banner names it while rewound (Esc does the same).
        .init(keys: [.character("L")], label: "L", command: .backToLive, hint: "rewind", hintKey: "", modes: [.live, .watch, .attached], needs: .rewind),
    ]

    /// The bindings that work in `mode`, for a process that can do `capabilities` (by default
    /// all the mode allows).
    public static func bindings(for mode: ModeKind, capabilities: Capabilities? = nil) -> [KeyBinding] {
        let can = capabilities ?? .all(for: mode)
        return bindings.filter { $0.modes.contains(mode) && can.isSuperset(of: $0.needs) }
    }

    /// The hint line for `mode`, built from its bindings: the widest form that fits `width`,
    /// dropping the last hints when even the tight form does not.
    /// In the detail view the line starts with `Esc back`, `↑↓` move to the next colo, and the
    /// table's own keys (detail, sort, filter) are left out.
    public static func hintLine(width: Int, mode: ModeKind = .live, capabilities: Capabilities? = nil, detail: Bool = false) -> String {
        var groups: [(keys: [String], word: String)] = detail ? [(["Esc"], "back")] : []
        for binding in bindings(for: mode, capabilities: capabilities) {
            guard var word = binding.hint else { continue }
            if detail {
                if [.openDetail, .nextSort, .previousSort, .invertSort, .filter].contains(binding.command) { continue }
                if word == "select" { word = "colo" }
            }
            let keys = binding.hintKey.isEmpty ? [] : [binding.hintKey]
            if let index = groups.firstIndex(where: { $0.word == word }) {
                groups[index].keys += keys
            } else {
                groups.append((keys, word))
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

    /// The help overlay's lines for `mode`: neighbouring keys that share a hint share a line
    /// (`+ -  longer / shorter window`); the fault keys each have their own.
    public static func helpLines(for mode: ModeKind, capabilities: Capabilities? = nil) -> [(keys: String, text: String)] {
        var groups: [[KeyBinding]] = []
        // `?` itself is in the help's last line ("Esc or ? closes this help").
        for binding in bindings(for: mode, capabilities: capabilities) where binding.command != .help {
            let isFault = if case .toggleFault = binding.command { true } else { false }
            if !isFault, let hint = binding.hint, let last = groups.last?.last, last.hint == hint,
               !(groups.last!.contains { if case .toggleFault = $0.command { true } else { false } }) {
                groups[groups.count - 1].append(binding)
            } else {
                groups.append([binding])
            }
        }
        return groups.map { group in
            let spaced = group.map(\.label).joined(separator: " ")
            // Many one-character keys run together, to fit the keys' column.
            let keys = spaced.count > 10 && group.allSatisfy({ $0.label.count == 1 }) ? group.map(\.label).joined() : spaced
            guard group.count > 1 else { return (keys, describe(group[0].command)) }
            return (keys, groupText[group[0].hint ?? ""] ?? group.map { describe($0.command) }.joined(separator: " / "))
        }
    }

    /// What a line of several keys says.
    static let groupText: [String: String] = [
        "window": "longer / shorter window",
        "select": "select the previous / next colo",
        "flush": "flush every cache / the selected colo's (asks y/N)",
        "sort": "sort by the previous / next column; I reverses the order",
        "rate": "less / more synthetic traffic",
        "seek": "back / forward 10 s; { } by a minute",
        "speed": "play slower / faster (÷2, ×2)",
        "rewind": "earlier / later 10 s, { } 1 min, ( ) 1 h; L or Esc: live",
    ]

    /// The command `key` asks for in `mode`, for a process that can do `capabilities`, if any.
    public static func command(for key: Key, mode: ModeKind = .live, capabilities: Capabilities? = nil) -> Command? {
        bindings(for: mode, capabilities: capabilities).first { $0.keys.contains(key) }?.command
    }

    public static func describe(_ command: Command) -> String {
        switch command {
        case .quit: "quit"
        case .help: "this help (Esc closes it)"
        case .pause: "pause the display (events are still taken in)"
        case .widerWindow: "longer window"
        case .narrowerWindow: "shorter window"
        case .selectNext: "select next colo"
        case .selectPrevious: "select previous colo"
        case .nextSort: "sort by the next column"
        case .previousSort: "sort by the previous column"
        case .invertSort: "reverse the sort order"
        case .flushAll: "flush the whole cache (asks y/N)"
        case .flushSelected: "flush the selected colo's cache (asks y/N)"
        case .toggleFault(let fault): "toggle " + fault.summary
        case .clearFaults: "clear every fault"
        case .fasterTraffic: "more synthetic traffic"
        case .slowerTraffic: "less synthetic traffic"
        case .dump: "write the screen and /api/snapshot to files (for a ticket)"
        case .filter: "filter as you type: /SIN, /ALERT, /NODATA; Esc clears"
        case .openDetail: "the selected colo up close (Esc goes back)"
        case .playPause: "pause or play the recording"
        case .seek(let seconds): (seconds < 0 ? "back " : "forward ") + (abs(seconds) >= 60 ? "\(abs(seconds) / 60) min" : "\(abs(seconds)) s")
        case .fasterPlayback: "play faster (×2)"
        case .slowerPlayback: "play slower (÷2)"
        case .rewind(let seconds):
            (seconds < 0 ? "show the figures " : "move on ")
                + (abs(seconds) >= 3600 ? "\(abs(seconds) / 3600) h" : abs(seconds) >= 60 ? "\(abs(seconds) / 60) min" : "\(abs(seconds)) s")
                + (seconds < 0 ? " earlier (the engine's window, then the recording)" : " (live again once past now)")
        case .backToLive: "back to the live figures"
        }
    }
}
