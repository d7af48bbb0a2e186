import Foundation
import NIOCore

/// Plain messages for the errors an operator can fix at start-up.
enum StartupErrors {
    static func describe(_ error: any Error, host: String, port: Int) -> String {
        if let error = error as? IOError, error.errnoCode == EADDRINUSE {
            return "cannot listen on \(host):\(port): the port is already in use. Stop the other process, or pass --port 0 to pick a free port."
        }
        if let error = error as? IOError, error.errnoCode == EACCES {
            return "cannot listen on \(host):\(port): permission denied. Ports below 1024 need privileges; use a higher --port."
        }
        return "\(error)"
    }
}
