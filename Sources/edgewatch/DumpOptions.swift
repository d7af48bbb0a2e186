import ArgumentParser
import Foundation

/// Where `w` writes its screen dumps.
struct DumpOptions: ParsableArguments {
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

    var folder: String { dumpDir ?? FileManager.default.currentDirectoryPath }
}
