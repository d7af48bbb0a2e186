#if canImport(Glibc)
import Glibc
#endif

/// Bytes on a loopback TCP connection, below any HTTP client's politeness: broken framing,
/// bodies cut short, garbage request lines. Every read and write has a 2-second timeout.
public enum RawHTTP {
    /// Sends `bytes`, optionally half-closes or closes at once, and returns whatever the server
    /// answered before closing or going quiet for two seconds ("" when nothing).
    public static func exchange(port: Int, _ bytes: [UInt8], closeAfterSending: Bool = false) -> String {
        guard let socket = connectedSocket(port: port) else { return "" }
        defer { close(socket) }
        _ = bytes.withUnsafeBytes { send(socket, $0.baseAddress, $0.count, Int32(MSG_NOSIGNAL)) }
        if closeAfterSending { return "" }
        var answer: [UInt8] = []
        var buffer = [UInt8](repeating: 0, count: 4096)
        while answer.count < 1 << 20 {
            let count = recv(socket, &buffer, buffer.count, 0)
            guard count > 0 else { break }
            answer += buffer[0..<count]
            if String(decoding: answer, as: UTF8.self).contains("\r\n\r\n") { break }
        }
        return String(decoding: answer, as: UTF8.self)
    }

    /// Sends `bytes` on a new connection and returns the whole answer: the head and as many body
    /// bytes as its `Content-Length` says ("" when the server answered nothing in two seconds).
    public static func wholeAnswer(port: Int, _ bytes: [UInt8]) -> String {
        answers(port: port, [bytes], count: 1).first ?? ""
    }

    /// Sends each of `writes` in turn on one connection (50 ms apart), then reads until `count`
    /// whole answers (by `Content-Length`) have come, or two seconds pass; returns them in order.
    /// With `linger`, it then listens that much longer, and returns any answer beyond `count` too.
    public static func answers(port: Int, _ writes: [[UInt8]], count: Int, linger: Duration = .zero, readSeconds: Int = 2) -> [String] {
        turns(port: port, writes.enumerated().map { ($0.element, $0.offset == writes.count - 1 ? count : 0) }, linger: linger, readSeconds: readSeconds)
            .flatMap { $0 }
    }

    /// One connection, in turns: each turn's bytes are sent (50 ms after the last turn's, when it
    /// waited for nothing), then its `answers` are read (each read waits two seconds at most).
    /// With `linger` (1 ms at least), the last turn then listens that much longer for answers
    /// beyond its count. An answer is split off by its `Content-Length` (0 without one). With
    /// `pause`, each turn after the first waits that long first; each read waits `readSeconds`.
    public static func turns(port: Int, _ turns: [(bytes: [UInt8], answers: Int)], linger: Duration = .zero, pause: Duration = .zero,
                             readSeconds: Int = 2) -> [[String]] {
        guard let socket = connectedSocket(port: port, seconds: readSeconds) else { return [] }
        defer { close(socket) }
        var received: [UInt8] = []
        var buffer = [UInt8](repeating: 0, count: 4096)
        var results: [[String]] = []
        for (index, turn) in turns.enumerated() {
            if index > 0, turns[index - 1].answers == 0 { usleep(50_000) }
            if index > 0, pause > .zero { usleep(UInt32(pause.components.seconds * 1_000_000 + pause.components.attoseconds / 1_000_000_000_000)) }
            _ = turn.bytes.withUnsafeBytes { send(socket, $0.baseAddress, $0.count, Int32(MSG_NOSIGNAL)) }
            var answers: [String] = []
            // Answers beyond this turn's count stay in `received` for the next turn.
            while answers.count < turn.answers, let answer = firstWholeAnswer(in: &received) { answers.append(answer) }
            while answers.count < turn.answers, received.count < 1 << 20 {
                let got = recv(socket, &buffer, buffer.count, 0)
                guard got > 0 else { break }
                received += buffer[0..<got]
                while answers.count < turn.answers, let answer = firstWholeAnswer(in: &received) { answers.append(answer) }
            }
            if index == turns.count - 1, linger > .zero {
                let listen = max(linger, .milliseconds(1))
                var wait = timeval(tv_sec: Int(listen.components.seconds), tv_usec: Int(listen.components.attoseconds / 1_000_000_000_000))
                setsockopt(socket, SOL_SOCKET, SO_RCVTIMEO, &wait, socklen_t(MemoryLayout<timeval>.size))
                while received.count < 1 << 20 {
                    let got = recv(socket, &buffer, buffer.count, 0)
                    guard got > 0 else { break }
                    received += buffer[0..<got]
                }
                while let answer = firstWholeAnswer(in: &received) { answers.append(answer) }
            }
            results.append(answers)
        }
        return results
    }

    /// A TCP connection to loopback `port` whose reads and writes time out after `seconds`;
    /// nil when it cannot be made. The caller closes it.
    static func connectedSocket(port: Int, seconds: Int = 2) -> Int32? {
        let socket = Glibc.socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        guard socket >= 0 else { return nil }
        var timeout = timeval(tv_sec: seconds, tv_usec: 0)
        setsockopt(socket, SOL_SOCKET, SO_RCVTIMEO, &timeout, socklen_t(MemoryLayout<timeval>.size))
        setsockopt(socket, SOL_SOCKET, SO_SNDTIMEO, &timeout, socklen_t(MemoryLayout<timeval>.size))
        guard connect(socket, port: port) else {
            close(socket)
            return nil
        }
        return socket
    }

    /// Removes and returns the first whole answer in `bytes`, if it is all there.
    static func firstWholeAnswer(in bytes: inout [UInt8]) -> String? {
        let separator: [UInt8] = [13, 10, 13, 10]
        guard let end = (0...max(0, bytes.count - 4)).first(where: { bytes.count >= 4 && Array(bytes[$0..<($0 + 4)]) == separator }) else { return nil }
        let head = String(decoding: bytes[..<end], as: UTF8.self).lowercased()
        let length = head.split(separator: "\r\n").first { $0.hasPrefix("content-length:") }
            .flatMap { Int($0.dropFirst("content-length:".count).trimmingCharacters(in: .whitespaces)) } ?? 0
        let total = end + 4 + length
        guard bytes.count >= total else { return nil }
        let answer = String(decoding: bytes[..<total], as: UTF8.self)
        bytes.removeFirst(total)
        return answer
    }

    /// Connects, sends nothing, and returns how long the server took to close the connection,
    /// or nil when it was still open after `limit`.
    public static func secondsUntilClosed(port: Int, limit: Int = 5) -> Double? {
        guard let socket = connectedSocket(port: port, seconds: limit) else { return nil }
        defer { close(socket) }
        let started = ContinuousClock.now
        var byte: UInt8 = 0
        // 0 is end of stream (closed); -1 with a timeout means still open.
        guard recv(socket, &byte, 1, 0) == 0 else { return nil }
        let elapsed = ContinuousClock.now - started
        return Double(elapsed.components.seconds) + Double(elapsed.components.attoseconds) / 1e18
    }

    /// Connects `socket` to 127.0.0.1:`port`.
    static func connect(_ socket: Int32, port: Int) -> Bool {
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_port = in_port_t(UInt16(port).bigEndian)
        address.sin_addr.s_addr = inet_addr("127.0.0.1")
        return withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { Glibc.connect(socket, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) }
        } == 0
    }

    /// Sends one `GET /health` on a new connection, waits `pause`, sends another on the same
    /// connection, and returns whether both were answered.
    public static func keptAlive(port: Int, after pause: Duration) -> Bool {
        guard let socket = connectedSocket(port: port) else { return false }
        defer { close(socket) }
        let request = Array("GET /health HTTP/1.1\r\nHost: x\r\n\r\n".utf8)
        var buffer = [UInt8](repeating: 0, count: 4096)
        for round in 0..<2 {
            if round == 1 { usleep(UInt32(pause.components.seconds * 1_000_000 + pause.components.attoseconds / 1_000_000_000_000)) }
            guard request.withUnsafeBytes({ send(socket, $0.baseAddress, $0.count, Int32(MSG_NOSIGNAL)) }) == request.count else { return false }
            let count = recv(socket, &buffer, buffer.count, 0)
            guard count > 0, String(decoding: buffer[0..<count], as: UTF8.self).hasPrefix("HTTP/1.1 200") else { return false }
        }
        return true
    }
}
