/// A key press, as the terminal backend reports it.
public enum Key: Hashable, Sendable {
    case character(Character)
    case up, down, escape, enter, resize, backspace
}

/// What a key asks for. The key map ties keys to commands; the help overlay is drawn from it.
public enum Command: Hashable, Sendable {
    case quit, help, pause, widerWindow, narrowerWindow, selectNext, selectPrevious, nextSort
    case flushAll, flushSelected, toggleFault(FaultKind), clearFaults, fasterTraffic, slowerTraffic, dump, filter
}

/// The CRM faults the dashboard can switch, with what each one does.
public enum FaultKind: String, CaseIterable, Hashable, Sendable {
    case errors, latency, timeouts, malformed, down

    public var summary: String {
        switch self {
        case .errors: "CRM errors (503 on 50 % of requests)"
        case .latency: "CRM latency (+800 ms ± 200)"
        case .timeouts: "CRM timeouts (hang past the deadline)"
        case .malformed: "malformed CRM JSON"
        case .down: "CRM down (connection refused)"
        }
    }
}

public struct KeyBinding: Sendable {
    public var keys: [Key]
    public var label: String
    public var command: Command
}

/// The key map: data, read by the reducer and shown by `?`.
public enum KeyMap {
    public static let bindings: [KeyBinding] = [
        .init(keys: [.character("q")], label: "q, Ctrl-C", command: .quit),
        .init(keys: [.character("?")], label: "?", command: .help),
        .init(keys: [.character("p")], label: "p", command: .pause),
        .init(keys: [.character("+"), .character("=")], label: "+", command: .widerWindow),
        .init(keys: [.character("-")], label: "-", command: .narrowerWindow),
        .init(keys: [.down, .character("j")], label: "↓ / j", command: .selectNext),
        .init(keys: [.up, .character("k")], label: "↑ / k", command: .selectPrevious),
        .init(keys: [.character("s")], label: "s", command: .nextSort),
        .init(keys: [.character("F")], label: "F", command: .flushAll),
        .init(keys: [.character("f")], label: "f", command: .flushSelected),
        .init(keys: [.character("e")], label: "e", command: .toggleFault(.errors)),
        .init(keys: [.character("l")], label: "l", command: .toggleFault(.latency)),
        .init(keys: [.character("t")], label: "t", command: .toggleFault(.timeouts)),
        .init(keys: [.character("m")], label: "m", command: .toggleFault(.malformed)),
        .init(keys: [.character("d")], label: "d", command: .toggleFault(.down)),
        .init(keys: [.character("0")], label: "0", command: .clearFaults),
        .init(keys: [.character("]")], label: "]", command: .fasterTraffic),
        .init(keys: [.character("[")], label: "[", command: .slowerTraffic),
        .init(keys: [.character("w")], label: "w", command: .dump),
        .init(keys: [.character("/")], label: "/", command: .filter),
    ]

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
        }
    }
}
