import Foundation
import LookupCore
import PropertyBased
import TestSupport
import Testing
@testable import MetricsEngine

/// The recording's compact lines, its segment names, its budget and the engine's kept snapshots.
@Suite("Recording format (property tests)")
struct RecordingFormatTests {
    static let texts = Gen.element(of: ["LHR", "SIN", "x", "crm_timeout", "a b", "tab-free!~", String(repeating: "z", count: 64)]).map { $0! }

    /// Any valid event, every optional field on or off.
    static let events = zip(
        Gen.int64(in: EventLimits.timestamps), Gen.int(in: 0...3_600_000_000).map { Double($0) / 1000 },
        Gen.int(in: 0...7), zip(texts, Gen.int(in: 0...2), Gen.int(in: 0...600_000_000).map { Double($0) / 1000 }, Gen.int(in: 0...1))
    ).map { timestamp, latency, flags, rest in
        let (text, optional, cpu, sourced) = rest
        var event = MetricEvent(
            timestamp: timestamp, service: optional == 1 ? text : MetricEvent.serviceName, colo: ColoName.normalised(text == "a b" ? "LHR" : String(text.prefix(16))),
            latencyMs: latency, cacheHit: flags & 1 != 0, customerFound: flags & 2 != 0,
            errorType: optional == 2 ? text : nil, cpuMs: optional == 0 ? nil : cpu
        )
        if flags & 4 != 0 { event.stale = true }
        if sourced == 1 { event.source = text }
        return event
    }

    @Test("Any event reads back the same from its compact line, and the same as from its JSON line")
    func roundTrip() throws {
        let codec = EventCodec()
        try forAll(Self.events, count: 3_000, seed: 0xC0A1) { event in
            var bytes: [UInt8] = []
            CompactEvents.append(event, to: &bytes)
            #expect(bytes.last == UInt8(ascii: "\n") && bytes.dropLast().firstIndex(of: UInt8(ascii: "\n")) == nil)
            let compact = try #require(CompactEvents.decode(bytes.dropLast()), "\(String(decoding: bytes, as: UTF8.self))")
            let json = try codec.decode(line: Array(EventCodec.encode(event).utf8), number: 1).get()
            #expect(compact == json, "\(String(decoding: bytes, as: UTF8.self))")
            #expect(CompactEvents.timestamp(of: bytes.dropLast()) == event.timestamp)
        }
    }

    @Test("Mangled compact lines never trap: each is refused, or an event within the limits")
    func fuzz() {
        let line = Array("1794000000000\tLHR\t2983\thf\tcrm_timeout\t1769\t\t\n".utf8)
        let mutations = zip(Gen.int(in: 0...(line.count - 1)), Gen.int(in: 0...255), Gen.int(in: 0...3)).array(of: 1...6)
        var refused = 0
        forAll(mutations, count: 5_000, seed: 0xF022) { edits in
            var bytes = line
            for (at, value, kind) in edits where !bytes.isEmpty {
                let index = at % bytes.count
                switch kind {
                case 0: bytes[index] = UInt8(value)
                case 1: bytes.remove(at: index)
                case 2: bytes.insert(UInt8(value), at: index)
                default: bytes.insert(UInt8(ascii: "\t"), at: index)
                }
            }
            let decoded = EventCodec().decode(lines: bytes, compact: true)
            for event in decoded.events { #expect(EventLimits.problem(with: event) == nil) }
            refused += decoded.errorCount
        }
        #expect(refused > 1_000, "mangled lines are refused, not taken")
    }

    @Test("A compact last line without its newline is torn: skipped and counted; a JSON one is still read")
    func tornLine() {
        var bytes: [UInt8] = []
        let event = MetricEvent(timestamp: 1_794_000_000_000, colo: "LHR", latencyMs: 2.5, cacheHit: true, customerFound: true)
        CompactEvents.append(event, to: &bytes)
        CompactEvents.append(event, to: &bytes)
        let torn = EventCodec().decode(lines: bytes.dropLast(3), compact: true)
        #expect(torn.events.count == 1 && torn.errorCount == 1 && torn.errors.first?.message == EventCodec.torn && torn.errors.first?.line == 2)
        let json = EventCodec().decode(lines: Array(EventCodec.encode(event).utf8), compact: true)
        #expect(json.events.count == 1 && json.errorCount == 0)
        // Without `compact` (the /ingest path) a compact line is not an event.
        #expect(EventCodec().decode(lines: bytes).events.isEmpty)
        // A range leaves lines out unread, and they are not errors.
        let ranged = EventCodec().decode(lines: bytes, compact: true, within: 0...1_793_999_999_999)
        #expect(ranged.events.isEmpty && ranged.errorCount == 0)
    }

    @Test("Segment names sort as time does and give their start back; other names are not segments")
    func names() {
        forAll(Gen.int64(in: 0...4_102_444_800_000).array(of: 2), count: 2_000, seed: 0x5E6) { pair in
            let names = pair.map { RecordingSegment.name(startMillis: $0) }
            for (time, name) in zip(pair, names) { #expect(RecordingSegment.start(of: name) == time, "\(name)") }
            #expect((pair[0] < pair[1]) == (names[0] < names[1]) || pair[0] == pair[1])
            #expect(names[0].hasSuffix(".events") && !names[0].contains(":"))
        }
        #expect(RecordingSegment.name(startMillis: 1_796_612_400_005) == "2026-12-07T03-00-00.005Z.events")
        for name in ["2026-12-07T03-00-00.005Z.log", "2026-13-07T03-00-00.005Z.events", "2026-12-07T03:00:00.005Z.events", "notes.txt",
                     "2026-12-07T25-00-00.005Z.events", "x026-12-07T03-00-00.005Z.events", ""] {
            #expect(RecordingSegment.start(of: name) == nil, "\(name)")
        }
    }

    @Test("The budget removes the oldest segments first, for bytes (leaving the active one room to grow), age and count; never the active one")
    func budget() {
        let hour: Int64 = 3_600_000
        let now: Int64 = 1_796_612_400_000
        func segments(_ count: Int, bytes: Int64, apart: Int64) -> [RecordingSegment] {
            (0..<count).map { index in
                let start = now - Int64(count - index) * apart
                return RecordingSegment(name: RecordingSegment.name(startMillis: start), startMillis: start, bytes: bytes)
            }
        }
        // 1 MiB: segments of 128 KiB; ten of 100 KiB with the last active (room for 28 KiB more).
        let budget = RecordingBudget(maximumBytes: 1 << 20, maximumAgeMillis: 7 * 24 * hour, maximumSegments: 100)
        let ten = segments(10, bytes: 100 << 10, apart: 60_000)
        let removed = budget.removals(ten, active: ten.last!.name, nowMillis: now)
        let kept = ten.count - removed.count
        #expect(removed.map(\.name) == ten.prefix(removed.count).map(\.name), "oldest first")
        #expect(Int64(kept) * (100 << 10) + (28 << 10) <= 1 << 20 && Int64(kept + 1) * (100 << 10) + (28 << 10) > 1 << 20)
        // Age: a segment whose end (the next one's start) is past the age goes, whatever the bytes.
        let old = segments(5, bytes: 10, apart: 3 * 24 * hour)
        #expect(budget.removals(old, active: old.last!.name, nowMillis: now).count == 2)
        // Count.
        let many = segments(150, bytes: 1, apart: 1_000)
        #expect(budget.removals(many, active: many.last!.name, nowMillis: now).count == 50)
        // The active segment stays even when it alone is past every bound.
        let alone = [RecordingSegment(name: "a", startMillis: now - 30 * 24 * hour, bytes: 1 << 30)]
        #expect(budget.removals(alone, active: "a", nowMillis: now).isEmpty)
    }

    @Test("The engine keeps a snapshot a second over its window, within its row bound, and finds the one at a moment")
    func ring() {
        var monitor = MetricsMonitor(windowSeconds: 30)
        let t0: Int64 = 1_796_612_400_000
        var ring = SnapshotRing()
        for second in 0..<100 {
            let now = t0 + Int64(second) * 1000
            monitor.record(MetricEvent(timestamp: now, colo: "LHR", latencyMs: 1, cacheHit: true, customerFound: true), nowMillis: now)
            // Four ticks a second: one kept per second, the last.
            for quarter in 0..<4 { ring.keep(monitor.tick(nowMillis: now + Int64(quarter) * 250), seconds: 30) }
        }
        let last = t0 + 99_000 + 750
        #expect(ring.oldest.map { last - $0 <= 31_000 } == true, "about the window")
        #expect(ring.snapshot(at: t0 + 80_500)?.generatedAt == t0 + 80_750 - 1_000, "the last published at or before the moment")
        #expect(ring.snapshot(at: t0 + 10_000) == nil, "older than the window")
        #expect(ring.snapshot(at: last)?.recentTransitions.isEmpty == true, "no change log kept")
        // Many colos: fewer seconds, never more rows than the bound.
        var wide = MetricsMonitor(windowSeconds: 900, maximumColos: 64)
        var crowded = SnapshotRing()
        for second in 0..<280 {
            let now = t0 + Int64(second) * 1000
            for colo in 0..<64 {
                wide.record(MetricEvent(timestamp: now, colo: "C\(colo)", latencyMs: 1, cacheHit: true, customerFound: true), nowMillis: now)
            }
            crowded.keep(wide.tick(nowMillis: now), seconds: 900)
        }
        #expect(crowded.rowCount <= SnapshotRing.maximumRows && crowded.rowCount > SnapshotRing.maximumRows - 130)
    }
}
