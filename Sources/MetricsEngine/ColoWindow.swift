import LookupCore

/// One colo's ring of per-second slots. Memory is one slot per second of window, whatever the
/// event rate; a slot is reused when its second falls out of the window.
struct ColoWindow {
    private(set) var slots: [Slot]

    init(seconds: Int) {
        slots = Array(repeating: Slot(), count: seconds)
    }

    mutating func record(_ event: MetricEvent, second: Int64) {
        let index = Int(second.modulo(slots.count))
        if slots[index].second != second { slots[index].reuse(for: second) }
        slots[index].record(event)
    }

    /// Merges the slots whose second is in `range` (with `add`, never averaging).
    func merged(seconds range: ClosedRange<Int64>) -> (tally: Tally, latency: MicrosHistogram?, cpu: MicrosHistogram?) {
        var tally = Tally()
        var latency: MicrosHistogram?
        var cpu: MicrosHistogram?
        for slot in slots where range.contains(slot.second) {
            tally.add(slot.tally)
            if let part = slot.latency { latency.merge(part) }
            if let part = slot.cpu { cpu.merge(part) }
        }
        return (tally, latency, cpu)
    }

    /// The same data in a ring of a new length; slots outside the new window are dropped.
    func resized(to seconds: Int, newest: Int64) -> ColoWindow {
        var window = ColoWindow(seconds: seconds)
        for slot in slots where slot.second > newest - Int64(seconds) && slot.second <= newest {
            window.slots[Int(slot.second.modulo(seconds))] = slot
        }
        return window
    }
}

extension Optional where Wrapped == MicrosHistogram {
    mutating func merge(_ other: MicrosHistogram) {
        if self == nil { self = .micros() }
        self!.add(other)
    }
}

extension Int64 {
    func modulo(_ divisor: Int) -> Int64 {
        let d = Int64(divisor)
        return ((self % d) + d) % d
    }
}
