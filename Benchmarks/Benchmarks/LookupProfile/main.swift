// The CPU a cached lookup costs inside the handler only (decode, cache read, reply, event), with
// no HTTP around it: `CustomerLookup.respond` as the routes call it, and `respondFromCache` on
// the body's bytes as the fast path calls it, each in a plain loop.
// Usage: swift build -c release --product LookupProfile && .build/release/LookupProfile
import Foundation
#if canImport(Glibc)
import Glibc
#endif
import LookupCore
import Synchronization

struct Clocks: LookupClocks {
    func read(_ clock: clockid_t) -> UInt64 {
        var time = timespec()
        clock_gettime(clock, &time)
        return UInt64(time.tv_sec) * 1_000_000_000 + UInt64(time.tv_nsec)
    }
    func monotonicNanos() -> UInt64 { read(CLOCK_MONOTONIC) }
    func epochMillis() -> Int64 { Int64(read(CLOCK_REALTIME) / 1_000_000) }
    /// The measuring thread's CPU clock (the lookup itself no longer reads it).
    func threadCPUNanos() -> UInt64 { read(CLOCK_THREAD_CPUTIME_ID) }
}

/// Every customer found, as the simulator's customer 42 is.
struct Book: CustomerDirectory {
    func lookUp(_ key: LookupKey, from colo: Colo) async -> CRMOutcome {
        .found(CRMRecord(id: "CUST-000042", firstName: "Chiara", lastName: "Moreau", accountTier: "Standard", preferredLanguage: "en-US"))
    }
}

/// Counts events the way the server's queue would take them, without a consumer.
final class Sink: MetricSink {
    let count = Atomic<Int>(0)
    func emit(_ event: MetricEvent) { count.add(1, ordering: .relaxed) }
}

let clocks = Clocks()
let sink = Sink()
let lookup = CustomerLookup(settings: LookupSettings(), caches: ColoCaches(), crm: Book(), clocks: clocks, sink: sink)
// 100 repeat callers, as Benchmarks/http.sh's hot line.
let bodies = (0..<100).map { Data(String(format: #"{"ani":"+1555%07d"}"#, $0).utf8) }
for body in bodies { _ = await lookup.respond(to: body, coloHeader: "LHR") }

let rounds = 300_000

/// CPU and wall time per call of `body`, over `rounds` calls, off the main actor (as a route
/// handler or an event loop runs it: top-level code would hop to the pool and back on every
/// call, and measure the hop instead of the lookup).
func measure(_ name: String, _ body: @escaping @Sendable (Int) async -> Bool) async {
    let (hits, cpu, wall) = await Task.detached {
        var hits = 0
        let cpuStart = clocks.threadCPUNanos()
        let wallStart = clocks.monotonicNanos()
        for round in 0..<rounds where await body(round) { hits += 1 }
        let cpu = Double(clocks.threadCPUNanos() - cpuStart) / Double(rounds) / 1000
        let wall = Double(clocks.monotonicNanos() - wallStart) / Double(rounds) / 1000
        return (hits, cpu, wall)
    }.value
    print(String(format: "%@: %.2f µs CPU, %.2f µs wall per lookup (%d of %d hits)", name, cpu, wall, hits, rounds))
}

// The routes' path: the body as `Data`, through `respond`.
await measure("cached lookup, routes (respond)") { round in
    await lookup.respond(to: bodies[round % bodies.count], coloHeader: "LHR").event.cacheHit
}
// The fast path's: the body's bytes where they lie, through `respondFromCache`, and the reply's
// body rendered into memory (the fast path renders it into its output buffer).
let raw = bodies.map { Array($0) }
await measure("cached lookup, fast path (respondFromCache + render)") { round in
    guard let reply = raw[round % raw.count].withUnsafeBytes({ lookup.respondFromCache(to: $0, coloHeader: "LHR") }) else { return false }
    return withUnsafeTemporaryAllocation(byteCount: reply.body.byteCount, alignment: 1) { reply.body.render(into: $0) } > 0
}
print("events emitted: \(sink.count.load(ordering: .relaxed))")
