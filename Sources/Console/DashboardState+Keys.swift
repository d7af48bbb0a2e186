import FaultCatalog
import MetricsEngine

extension DashboardState {
    /// Applies a key and returns what the executor must do.
    public mutating func handle(_ key: Key) -> [Effect] {
        notice = nil
        switch overlay {
        case .help:
            if key == .escape || key == .character("?") || key == .character("q") { overlay = .none }
            return []
        case .confirm(let effect, _):
            overlay = .none
            if key == .character("y") || key == .character("Y") { return [effect] }
            notice = "cancelled"
            return []
        case .filtering(let text, let previous):
            filterKey(key, text: text, previous: previous)
            return []
        case .none:
            if detailColo != nil, key == .escape || key == .left {
                detailColo = nil
                coloDetail = nil
                detailFetchedFor = nil
                detailAskedFor = nil
                // Back in the table, the selection is on a row the filter shows.
                if filter != nil { keepSelectionVisible() }
                return []
            }
            if key == .escape, filter != nil {
                filter = nil
                return []
            }
            if key == .escape, rewind != nil {
                backToLive()
                return []
            }
        }
        guard let command = KeyMap.command(for: key, mode: mode.kind, capabilities: capabilities) else {
            // A key of another mode, or one this process cannot do: say why it does nothing here.
            if let binding = KeyMap.bindings(for: .live).first(where: { $0.keys.contains(key) }), !binding.needs.isEmpty {
                let word = binding.needs.contains(.flush) ? "flush" : binding.needs.contains(.faults) ? "faults"
                    : binding.needs.contains(.rewind) ? "rewind" : "rate"
                notice = word + " " + reason(missing: binding.needs.subtracting(capabilities))
            }
            return []
        }
        return run(command)
    }

    /// Typing after `/`: the filter follows each key, as k9s's does; Enter keeps it, Esc goes
    /// back to the filter there was before.
    private mutating func filterKey(_ key: Key, text: String, previous: String?) {
        var text = text
        switch key {
        case .enter:
            overlay = .none
        case .escape:
            overlay = .none
            filter = previous
            keepSelectionVisible()
            return
        case .backspace:
            text = String(text.dropLast())
        case .character(let character) where (character.isLetter || character.isNumber) && character.isASCII && text.count < Self.filterLimit:
            text += String(character).uppercased()
        default:
            return
        }
        if overlay != .none { overlay = .filtering(text, previous: previous) }
        filter = text.isEmpty ? nil : text
        keepSelectionVisible()
    }

    private mutating func run(_ command: Command) -> [Effect] {
        switch command {
        case .quit:
            return [.quit]
        case .help:
            overlay = .help
        case .pause:
            paused.toggle()
        case .widerWindow, .narrowerWindow:
            // From the window last asked for: the snapshot lags a step, and is frozen while paused.
            let current = requestedWindow ?? snapshot?.windowSeconds ?? 60
            // Attached, up to what the server keeps (its own window, a step or not).
            let limit = windowLimit ?? .max
            let steps = (Self.windowSteps.filter { $0 <= limit } + (windowLimit.map { [$0] } ?? [])).uniqueSorted()
            let next = command == .widerWindow
                ? steps.first { $0 > current } ?? steps.last!
                : steps.last { $0 < current } ?? steps.first!
            guard next != current else {
                if command == .widerWindow, let windowLimit, current >= windowLimit {
                    notice = "the server keeps \(windowLimit) s: no longer window here"
                }
                return []
            }
            requestedWindow = next
            return [.setWindow(seconds: next)]
        case .selectNext, .selectPrevious:
            let names = rows.map(\.colo)
            guard !names.isEmpty else { return [] }
            let index = names.firstIndex(of: selected) ?? names.count - 1
            let step = command == .selectNext ? 1 : names.count - 1
            selected = names[(index + step) % names.count]
            if detailColo != nil { detailColo = selected }
        case .nextSort, .previousSort:
            let all = SortColumn.allCases
            let step = command == .nextSort ? 1 : all.count - 1
            sort = all[(all.firstIndex(of: sort)! + step) % all.count]
            sortReversed = false
        case .invertSort:
            sortReversed.toggle()
        case .flushAll, .flushSelected:
            if let reason = disabledReason { notice = "flush " + reason; return [] }
            let colo = command == .flushAll || selected == "ALL" ? nil : selected
            let scope = colo.map { "\($0)'s cache" } ?? "the whole cache (all colos)"
            if case .attached(let url, _) = mode {
                // The server counts what goes, and the answer says it.
                overlay = .confirm(effect: .flush(colo: colo), question: "Flush \(scope) at \(url)? y/N")
            } else {
                let entries = colo.map { cacheEntries[$0] ?? 0 } ?? cacheEntries.values.reduce(0, +)
                overlay = .confirm(effect: .flush(colo: colo), question: "Flush \(scope)? \(entries) entries will go. y/N")
            }
        case .toggleFault(let fault):
            if let reason = disabledReason { notice = "faults " + reason; return [] }
            return [.toggleFault(fault)]
        case .clearFaults:
            if let reason = disabledReason { notice = "faults " + reason; return [] }
            return [.clearFaults]
        case .filter:
            guard detailColo == nil else { notice = "Esc first: the filter is for the colo table"; return [] }
            overlay = .filtering(filter ?? "", previous: filter)
        case .openDetail:
            if rewind != nil { notice = "up close is live only: L first"; return [] }
            keepSelectionVisible()
            detailColo = selectedRow?.colo ?? "ALL"
        case .dump:
            guard screenSize != nil else { notice = "no screen to dump yet"; return [] }
            return [.dump]
        case .fasterTraffic, .slowerTraffic:
            guard trafficRate != nil else { notice = "no synthetic traffic in this mode"; return [] }
            return [.scaleTraffic(by: command == .fasterTraffic ? 1.25 : 0.8)]
        case .playPause:
            return [.playback(.togglePause)]
        case .seek(let seconds):
            return [.playback(.seek(seconds: seconds))]
        case .fasterPlayback, .slowerPlayback:
            return [.playback(.scaleSpeed(by: command == .fasterPlayback ? 2 : 0.5))]
        case .rewind(let seconds):
            // From the moment last asked for, so keys pressed faster than the disk answers add up.
            let target = (rewind?.asked ?? now) + Int64(seconds) * 1000
            guard target < now else {
                if rewind != nil { backToLive() }
                return []
            }
            // Up close is live only.
            detailColo = nil
            coloDetail = nil
            rewind = Rewind(asked: target, shown: rewind?.shown)
            return [.rewind(to: target)]
        case .backToLive:
            if rewind != nil { backToLive() }
        }
        return []
    }

    /// Shows the live figures again.
    mutating func backToLive() {
        rewind = nil
        if let lastTaken { snapshot = lastTaken }
        notice = "live"
    }
}

extension Array where Element == Int {
    /// Sorted, each value once.
    func uniqueSorted() -> [Int] { Array(Set(self)).sorted() }
}
