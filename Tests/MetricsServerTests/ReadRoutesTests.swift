import AccessControl
import EdgeHTTP
import Foundation
import LookupCore
import MetricsEngine
@testable import MetricsServer
import TestSupport
import Testing

/// The read API an attached console (or a script) uses, over real HTTP on loopback.
@Suite("The read API: about, snapshot, history, detail, and the viewer bound")
struct ReadRoutesTests {
    static let token = "read-token-0123456789abcdef"
    static var bearer: [(String, String)] { [("Authorization", "Bearer " + token)] }

    static func options() throws -> LiveStack.Options {
        .init(pumpEvents: true, access: AccessPolicy(read: Credentials(bearer: try BearerSecret(parsing: token, source: "test"))))
    }

    @Test("Every read route takes the read token, and only it")
    func token() async throws {
        try await LiveStack.with(try Self.options()) { stack in
            for path in ["/api/about", "/api/snapshot", "/api/history", "/api/detail?colo=ALL", "/metrics"] {
                let bare = try await stack.request(.GET, path).status
                #expect(bare == 401, "\(path) without a token")
            }
            #expect(try await stack.request(.GET, "/api/detail?colo=ALL", headers: [("Authorization", "Bearer wrong-token-0123456789")]).status == 401)
            #expect(try await stack.request(.GET, "/api/about", headers: Self.bearer).json["role"] as? String == "serve")
        }
    }

    @Test("since= trims the change log to what the reader has not seen; window= narrows the figures, not the states")
    func snapshotQueries() async throws {
        try await LiveStack.with(try Self.options()) { stack in
            // Enough samples to be judged: ALL leaves NO DATA, a state change to read.
            for index in 0..<25 { _ = try await stack.lookup(#"{"ani":"+155500000\#(10 + index)"}"#, colo: "SIN") }
            _ = try await stack.recorded(25)
            try await eventually("a state change") {
                (try await stack.request(.GET, "/api/snapshot", headers: Self.bearer).json["transitionCount"] as? Int ?? 0) > 0
            }
            let full = try await stack.request(.GET, "/api/snapshot", headers: Self.bearer).json
            let count = try #require(full["transitionCount"] as? Int)
            let kept = try #require(full["recentTransitions"] as? [Any])
            #expect(kept.count == count && count > 0)
            let caughtUp = try await stack.request(.GET, "/api/snapshot?since=\(count)", headers: Self.bearer).json
            // Nothing after `count` (unless a change landed between the two reads, which the count says).
            let newer = (caughtUp["transitionCount"] as? Int ?? 0) - count
            #expect(newer > 0 || (caughtUp["recentTransitions"] as? [Any])?.isEmpty == true)
            #expect([0, 1, 16, 17, 128, 129, 1_000].map(EncodedSnapshots.bucket) == [0, 16, 16, 128, 128, .max, .max],
                    "change lists come in four sizes")
            let narrow = try await stack.request(.GET, "/api/snapshot?window=10", headers: Self.bearer).json
            #expect(narrow["windowSeconds"] as? Int == 10)
            #expect(narrow["alertWindowSeconds"] as? Int == 60)
            let wide = try await stack.request(.GET, "/api/snapshot?window=900", headers: Self.bearer).json
            #expect(wide["windowSeconds"] as? Int == 60, "no wider than the server keeps")
            #expect(wide["alertWindowSeconds"] == nil)
            for bad in ["window=9", "window=901", "window=x", "window=45", "since=-1", "since=1e3"] {
                let reply = try await stack.request(.GET, "/api/snapshot?" + bad, headers: Self.bearer)
                #expect(reply.status == 400 && reply.json["error"] != nil, "\(bad)")
            }
        }
    }

    @Test("Detail: one colo step by step, 404 for a colo with nothing, 400 without a name; history a second at a time")
    func detailAndHistory() async throws {
        try await LiveStack.with(try Self.options()) { stack in
            _ = try await stack.lookup(#"{"ani":"+15550000041"}"#, colo: "sin")
            _ = try await stack.recorded(1)
            let detail = try await stack.request(.GET, "/api/detail?colo=sin", headers: Self.bearer)
            #expect(detail.status == 200 && detail.json["colo"] as? String == "SIN")
            #expect(try await stack.request(.GET, "/api/detail?colo=NRT", headers: Self.bearer).status == 404)
            #expect(try await stack.request(.GET, "/api/detail", headers: Self.bearer).status == 400)
            #expect(try await stack.request(.GET, "/api/detail?colo=" + String(repeating: "A", count: 100), headers: Self.bearer).status == 400)
            try await Task.sleep(for: .milliseconds(1_100))
            let history = try await stack.request(.GET, "/api/history", headers: Self.bearer)
            let samples = try #require((try? JSONSerialization.jsonObject(with: Data(history.body.utf8))) as? [[String: Any]])
            #expect(samples.count >= 2)
            let times = samples.compactMap { $0["time"] as? Int }
            #expect(times == times.sorted() && Set(times).count == times.count && times.allSatisfy { $0 % 1000 == 0 })
        }
    }

    @Test("32 viewers read at once; the 33rd is told 503 and why, while those attached keep reading")
    func viewerBound() async throws {
        try await LiveStack.with(try Self.options()) { stack in
            for viewer in 0..<ViewerBook.defaultCapacity {
                let status = try await stack.request(.GET, "/api/snapshot", headers: Self.bearer + [("X-Edgewatch-Viewer", "v\(viewer)")]).status
                #expect(status == 200, "viewer \(viewer)")
            }
            let turnedAway = try await stack.request(.GET, "/api/snapshot", headers: Self.bearer + [("X-Edgewatch-Viewer", "one-too-many")])
            #expect(turnedAway.status == 503)
            #expect(turnedAway.headers["retry-after"] == "10")
            #expect((turnedAway.json["error"] as? String)?.contains("32 viewers are attached") == true)
            // Without a name, the address is the viewer: a new one too.
            #expect(try await stack.request(.GET, "/api/detail?colo=ALL", headers: Self.bearer).status == 503)
            #expect(try await stack.request(.GET, "/api/snapshot", headers: Self.bearer + [("X-Edgewatch-Viewer", "v7")]).status == 200)
            let about = try await stack.request(.GET, "/api/about", headers: Self.bearer).json
            #expect(about["viewers"] as? Int == 32 && about["maximumViewers"] as? Int == 32)
            let metrics = try await stack.request(.GET, "/metrics", headers: Self.bearer).body
            #expect(metrics.contains("edgewatch_viewers 32"))
            #expect(metrics.contains("edgewatch_viewers_refused_total 2"))
        }
    }

    @Test("A lease lasts 10 s after its last read; then its place goes to a new viewer")
    func leases() {
        var book = ViewerBook(capacity: 2)
        var admitted: [Bool] = []
        admitted.append(book.admit("a", nowMillis: 0))
        admitted.append(book.admit("b", nowMillis: 1_000))
        admitted.append(book.admit("c", nowMillis: 9_999))
        admitted.append(book.admit("a", nowMillis: 9_999))   // a viewer attached keeps reading
        admitted.append(book.admit("c", nowMillis: 11_000))  // b's lease ended at 11 s
        admitted.append(book.admit("b", nowMillis: 11_000))
        #expect(admitted == [true, true, false, true, true, false])
        #expect(book.refused == 2)
        let attached = book.count(nowMillis: 19_998)
        #expect(attached == 2)
        let none = book.count(nowMillis: 21_000)
        #expect(none == 0)
    }
}
