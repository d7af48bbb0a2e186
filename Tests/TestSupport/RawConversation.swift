#if canImport(Glibc)
import Glibc
#endif
import Foundation

extension RawHTTP {
    /// What a server did with one connection: the bytes it sent, and when (seconds after the
    /// first byte was sent) it closed its side and when a send first failed (it closed the
    /// connection whole), each nil when it did not happen within the limit.
    public struct Ending: Sendable {
        public var answer: String
        public var endOfStream: Double?
        public var sendFailed: Double?
        /// The errno of the failed send.
        public var sendError: Int32?
        public var sent = 0
    }

    /// Sends `head`, then `chunk` every `interval` (the first one `interval` after the head) while
    /// the server lets it, reading whatever comes back, for at most `limit`. With no chunk it
    /// sends the head alone and listens.
    public static func keepSending(port: Int, head: [UInt8], chunk: [UInt8] = [], interval: Duration = .milliseconds(20),
                                   limit: Duration = .seconds(6)) -> Ending {
        var ending = Ending(answer: "")
        guard let socket = connectedSocket(port: port) else { return ending }
        defer { close(socket) }
        var yes: Int32 = 1
        setsockopt(socket, Int32(IPPROTO_TCP), TCP_NODELAY, &yes, socklen_t(MemoryLayout<Int32>.size))
        _ = fcntl(socket, F_SETFL, fcntl(socket, F_GETFL) | O_NONBLOCK)
        let started = ContinuousClock.now
        func seconds() -> Double {
            let elapsed = ContinuousClock.now - started
            return Double(elapsed.components.seconds) + Double(elapsed.components.attoseconds) / 1e18
        }
        var pending = head
        var received: [UInt8] = []
        var buffer = [UInt8](repeating: 0, count: 65_536)
        var nextChunk = ContinuousClock.now + interval
        while ContinuousClock.now - started < limit {
            if ending.endOfStream == nil {
                let got = recv(socket, &buffer, buffer.count, 0)
                if got > 0 { received += buffer[0..<got] }
                if got == 0 { ending.endOfStream = seconds() }
                if got < 0, errno != EAGAIN, errno != EWOULDBLOCK { ending.endOfStream = ending.endOfStream ?? seconds() }
            }
            if pending.isEmpty, !chunk.isEmpty, ContinuousClock.now >= nextChunk {
                pending = chunk
                nextChunk = ContinuousClock.now + interval
            }
            if !pending.isEmpty {
                let count = pending.withUnsafeBytes { send(socket, $0.baseAddress, $0.count, Int32(MSG_NOSIGNAL)) }
                if count > 0 {
                    ending.sent += count
                    pending.removeFirst(count)
                } else if count < 0, errno != EAGAIN, errno != EWOULDBLOCK {
                    ending.sendFailed = seconds()
                    ending.sendError = errno
                    break
                }
            }
            if chunk.isEmpty, ending.endOfStream != nil { break }
            usleep(1_000)
        }
        ending.answer = String(decoding: received, as: UTF8.self)
        return ending
    }

    /// The errno of connecting to 127.0.0.1:`port` (0 when it connected).
    public static func connectError(port: Int) -> Int32 {
        let socket = Glibc.socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        guard socket >= 0 else { return errno }
        defer { close(socket) }
        return connect(socket, port: port) ? 0 : errno
    }
}
