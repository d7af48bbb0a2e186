import EdgewatchKit
import ArgumentParser
import Foundation

/// Refuses to start a dashboard without a usable terminal, with a message that says what to
/// run instead. Checked before anything starts, so nothing spins or half-starts.
enum TerminalCheck {
    static func require(command: String) throws {
        let environment = ProcessInfo.processInfo.environment
        var problem: String?
        if isatty(0) != 1 { problem = "standard input is not a terminal" }
        else if isatty(1) != 1 { problem = "standard output is not a terminal" }
        else if (environment["TERM"] ?? "").isEmpty || environment["TERM"] == "dumb" {
            problem = "TERM is \((environment["TERM"] ?? "").isEmpty ? "not set" : "\"dumb\"")"
        }
        guard let problem else { return }
        let message = """
        edgewatch \(command): cannot open the dashboard: \(problem).
        Without a terminal, use:
          edgewatch serve            the middleware, no UI (figures at GET /api/snapshot)
          edgewatch report FILE      figures and alert states from a recording, as text or JSON

        """
        StandardError.write(message)
        throw ExitCode(2)
    }
}
