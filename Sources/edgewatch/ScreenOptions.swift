import ArgumentParser
import EdgewatchKit
import Foundation

/// What every command with a screen shares: colours and where `w` writes its dumps.
struct ScreenOptions: ParsableArguments {
    @Flag(help: "No colours (also set by the NO_COLOR environment variable).")
    var noColor = false

    @Option(help: ArgumentHelp("Folder for screen dumps (w): edgewatch-<UTC time>.txt and .json. Default: the current folder.", valueName: "DIR"))
    var dumpDir: String?

    func validate() throws {
        guard let dumpDir else { return }
        var isDirectory: ObjCBool = false
        guard FileManager.default.fileExists(atPath: dumpDir, isDirectory: &isDirectory), isDirectory.boolValue else {
            throw ValidationError("--dump-dir must be an existing folder, not \(dumpDir)")
        }
        guard FileManager.default.isWritableFile(atPath: dumpDir) else { throw ValidationError("--dump-dir \(dumpDir) is not writable") }
    }

    /// The console's part of a stack, logging to `log`.
    func console(log: LogFile) -> ConsoleConfiguration {
        var console = ConsoleConfiguration(logFile: log)
        console.noColor = noColor || ProcessInfo.processInfo.environment["NO_COLOR"] != nil
        console.dumpFolder = dumpDir ?? FileManager.default.currentDirectoryPath
        return console
    }

    /// Runs a stack with this console until it is quit or signalled; a failure to start is a
    /// plain message and a failing exit.
    func run(_ configuration: StackConfiguration, log: LogFile) async throws {
        var configuration = configuration
        configuration.console = console(log: log)
        configuration.handlesSignals = true
        do {
            try await Stack.start(configuration).wait()
        } catch {
            StandardError.write("edgewatch: \(error)\n")
            throw ExitCode.failure
        }
    }
}
