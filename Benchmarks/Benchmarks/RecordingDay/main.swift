// Writes a recording folder as `--record` lays it out, fast: RATE events a second for SECONDS,
// from START (epoch ms), in segments of 64 MiB or an hour named by their first event.
// Usage: RecordingDay FOLDER [RATE=2000] [SECONDS=86400] [START=now - SECONDS]
#if canImport(Glibc)
import Glibc
#endif
import Foundation
import LookupCore
import MetricsEngine

let arguments = CommandLine.arguments
guard arguments.count >= 2 else {
    FileHandle.standardError.write(Data("usage: RecordingDay FOLDER [RATE] [SECONDS] [START]\n".utf8))
    exit(2)
}
let folder = arguments[1]
let rate = arguments.count > 2 ? Int(arguments[2]) ?? 2000 : 2000
let seconds = arguments.count > 3 ? Int(arguments[3]) ?? 86_400 : 86_400
let start = arguments.count > 4 ? Int64(arguments[4]) ?? 0 : Int64(Date().timeIntervalSince1970 * 1000) - Int64(seconds) * 1000
try FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true)

let colos = ["LHR", "FRA", "IAD", "SJC", "SIN", "NRT", "SYD", "GRU"]
let segmentBytes = 64 << 20
var fd: Int32 = -1
var written = 0
var openedAt: Int64 = 0
var buffer: [UInt8] = []
buffer.reserveCapacity(1 << 20)
var state: UInt64 = 0x9E37_79B9_7F4A_7C15
@MainActor func next() -> UInt64 {  // SplitMix64
    state &+= 0x9E37_79B9_7F4A_7C15
    var z = state
    z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
    z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
    return z ^ (z >> 31)
}
@MainActor func flush() {
    buffer.withUnsafeBytes { _ = write(fd, $0.baseAddress!, $0.count) }
    written += buffer.count
    buffer.removeAll(keepingCapacity: true)
}
var events = 0
for second in 0..<seconds {
    let base = start + Int64(second) * 1000
    if fd < 0 || written >= segmentBytes || base - openedAt >= 3_600_000 {
        if fd >= 0 { flush(); close(fd) }
        fd = open(folder + "/" + RecordingSegment.name(startMillis: base), O_WRONLY | O_CREAT | O_TRUNC, 0o644)
        written = 0
        openedAt = base
    }
    for index in 0..<rate {
        let random = next()
        let hit = random % 4 != 0
        let event = MetricEvent(
            timestamp: base + Int64(index * 1000 / rate), colo: colos[Int(random >> 8) % colos.count],
            latencyMs: hit ? Double(30 + random % 60) / 1000 : Double(20_000 + random % 60_000) / 1000,
            cacheHit: hit, customerFound: random % 5 != 0, errorType: random % 500 == 0 ? "crm_timeout" : nil,
            cpuMs: Double(20 + random % 40) / 1000
        )
        CompactEvents.append(event, to: &buffer)
        events += 1
    }
    if buffer.count > 1 << 20 { flush() }
}
flush()
close(fd)
print("\(events) events from \(start) to \(start + Int64(seconds) * 1000) in \(folder)")
