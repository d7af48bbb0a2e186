import CRMSimulator
import Console
import EdgeHTTP
import FaultCatalog
import Foundation
import LookupCore
import MetricsEngine
import TestSupport
import Testing
@testable import EdgewatchKit

/// The console's local feed and actions, against a real simulator, caches and engine.
@Suite("The console's local feed and actions")
struct LocalConsoleTests {
    static let loops = EventLoops(count: 1)

    static func profile(_ id: String) -> CustomerProfile {
        CustomerProfile(contactFound: true, customerId: id, displayName: "Test Customer", tier: "Gold", language: "en-GB", assignedQueue: "q-1")
    }

    /// Three entries in LHR's cache, one in SIN's.
    static func caches() -> ColoCaches {
        let caches = ColoCaches()
        for index in 0..<3 { caches.store(profile("C\(index)"), for: "k\(index)", colo: Colo("LHR")!, now: 1_000, ttlMillis: 60_000) }
        caches.store(profile("C9"), for: "k9", colo: Colo("SIN")!, now: 1_000, ttlMillis: 60_000)
        return caches
    }

    @Test("The feed says what the process can do, and hands its snapshot, port, cache entries per colo and faults in one input")
    func feed() async throws {
        let caches = Self.caches()
        let simulator = CRMSimulator(eventLoopGroup: Self.loops.group, logger: RunningServer.quiet)
        try await simulator.setFaults(FaultKind.errors.preset)
        let monitor = LiveMonitor(monitor: MetricsMonitor(), now: { 5_000 })
        let port = SharedPort()
        port.set(8787)
        let feed = LocalFeed(monitor: monitor, caches: caches, simulator: simulator, traffic: nil, player: nil, port: port, ingestURL: nil)
        #expect(feed.capabilities == [.flush, .faults])
        let input = feed.input(detailColo: nil)
        #expect(input.snapshot == monitor.snapshot)
        #expect(input.port == 8787)
        #expect(input.cacheEntries == ["LHR": 3, "SIN": 1])
        #expect(input.faults == FaultKind.errors.preset.labels && !(input.faults ?? []).isEmpty)
        #expect(input.traffic == nil && input.playback == nil)

        let bare = LocalFeed(monitor: monitor, caches: nil, simulator: nil, traffic: nil, player: nil, port: SharedPort(), ingestURL: { port in "http://127.0.0.1:\(port ?? 0)/ingest" })
        #expect(bare.capabilities.isEmpty)
        #expect(bare.input(detailColo: nil).ingestURL == "http://127.0.0.1:0/ingest")
        #expect(bare.input(detailColo: nil).faults == nil)
    }

    @Test("Actions: flush one colo or all, toggle a fault on the simulator, set the window, write a dump; each says what came of it")
    func actions() async throws {
        let caches = Self.caches()
        let simulator = CRMSimulator(eventLoopGroup: Self.loops.group, logger: RunningServer.quiet)
        let monitor = LiveMonitor(monitor: MetricsMonitor(), now: { 5_000 })
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("edgewatch-dumps-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: folder) }
        let actions = EffectExecutor(caches: caches, simulator: simulator, monitor: monitor, traffic: nil, player: nil, dumpFolder: folder.path)

        #expect(await actions.perform(.flush(colo: "LHR"), screen: nil) == .flushed(colo: "LHR", entries: 3))
        #expect(caches.entryCount() == 1)
        #expect(await actions.perform(.flush(colo: nil), screen: nil) == .flushed(colo: nil, entries: 1))

        let toggled = await actions.perform(.toggleFault(.errors), screen: nil)
        #expect(simulator.faults.has(.errors))
        #expect(toggled == .faultsChanged(labels: simulator.faults.labels, change: "errors on"))
        _ = await actions.perform(.clearFaults, screen: nil)
        #expect(simulator.faults == .none)

        #expect(await actions.perform(.setWindow(seconds: 120), screen: nil) == .windowSet(seconds: 120))
        #expect(monitor.windowSeconds == 120)

        guard case .dumped(let files) = await actions.perform(.dump, screen: "the screen as drawn") else {
            Issue.record("no dump written")
            return
        }
        #expect(files.count == 2)
        #expect(try String(contentsOfFile: files[0], encoding: .utf8) == "the screen as drawn\n")
        #expect(try String(contentsOfFile: files[1], encoding: .utf8).contains("\"windowSeconds\""))

        let none = EffectExecutor(caches: nil, simulator: nil, monitor: monitor, traffic: nil, player: nil)
        #expect(await none.perform(.flush(colo: nil), screen: nil) == nil)
        guard case .failed(let why) = await none.perform(.toggleFault(.errors), screen: nil) else {
            Issue.record("a fault without a simulator did not fail")
            return
        }
        #expect(why.contains("CRM simulator"))
    }
}
