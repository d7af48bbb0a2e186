import Foundation
import NIOCore

/// A part of the stack that could not start, in words an operator can act on.
public struct StartupError: Error, CustomStringConvertible {
    public let message: String
    public var description: String { message }

    public init(message: String) { self.message = message }

    /// Plain messages for the errors an operator can fix at start-up.
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
