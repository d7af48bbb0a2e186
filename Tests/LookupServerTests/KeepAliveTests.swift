#if canImport(Glibc)
import Glibc
#endif
import Foundation
import TestSupport
import Testing

extension LiveHTTP {
    /// Genesys pools connections and reports "Connection reset" when a server drops an idle one, so
    /// the server must keep an idle keep-alive connection open and answer on it later.
    @Suite("Keep-alive")
    struct KeepAliveTests {
        @Test("An idle keep-alive connection still answers after a pause")
        func idleConnectionSurvives() async throws {
            try await LiveStack.with { stack in
                let socket = Glibc.socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
                try #require(socket >= 0)
                defer { close(socket) }
                var address = sockaddr_in()
                address.sin_family = sa_family_t(AF_INET)
                address.sin_port = in_port_t(UInt16(stack.port).bigEndian)
                address.sin_addr.s_addr = inet_addr("127.0.0.1")
                let connected = withUnsafePointer(to: &address) {
                    $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { connect(socket, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) }
                }
                try #require(connected == 0)
                var timeout = timeval(tv_sec: 5, tv_usec: 0)
                setsockopt(socket, SOL_SOCKET, SO_RCVTIMEO, &timeout, socklen_t(MemoryLayout<timeval>.size))

                func exchange() -> String {
                    let request = "GET /health HTTP/1.1\r\nHost: localhost\r\nConnection: keep-alive\r\n\r\n"
                    _ = request.withCString { send(socket, $0, strlen($0), 0) }
                    var buffer = [UInt8](repeating: 0, count: 4096)
                    let count = recv(socket, &buffer, buffer.count, 0)
                    return count > 0 ? String(decoding: buffer[0..<count], as: UTF8.self) : ""
                }

                #expect(exchange().contains("\"status\":\"ok\""))
                try await Task.sleep(for: .seconds(3))
                let later = exchange()
                #expect(later.hasPrefix("HTTP/1.1 200"), "the idle connection was dropped: \(later)")
                #expect(later.contains("\"status\":\"ok\""))
            }
        }
    }
}
