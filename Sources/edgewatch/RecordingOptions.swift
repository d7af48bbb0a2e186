import ArgumentParser
import EdgewatchKit
import Foundation
import LookupCore
import MetricsEngine

/// `--record DIR`: every event the engine takes in, kept on disk within a budget.
struct RecordingOptions: ParsableArguments {
    @Option(help: ArgumentHelp("Record every event into segment files in this folder (made if missing), for report, replay and rewinding.", valueName: "DIR"))
    var record: String?

    @Option(help: ArgumentHelp("The most the recording folder holds, e.g. 1GiB, 500MiB; the oldest segments are removed first.", valueName: "SIZE"))
    var recordMaxBytes = "1GiB"

    @Option(help: ArgumentHelp("The oldest recording kept, e.g. 7d, 12h; older segments are removed.", valueName: "D"))
    var recordMaxAge = "7d"

    func validate() throws {
        _ = try configuration()
    }

    /// The recorder's configuration, with `--record`.
    func configuration() throws -> RecordingConfiguration? {
        let bytes = try InputLimits.bytes(recordMaxBytes, flag: "--record-max-bytes", in: RecordingBudget.smallestBytes...(1 << 50))
        guard let age = DurationText.milliseconds(recordMaxAge), age >= 60_000 else {
            throw ValidationError("--record-max-age must be a duration of at least 1m, such as 7d or 12h (got \"\(String(recordMaxAge.prefix(32)))\")")
        }
        guard let record else {
            if recordMaxBytes != "1GiB" || recordMaxAge != "7d" {
                throw ValidationError("--record-max-bytes and --record-max-age only mean something with --record")
            }
            return nil
        }
        try Self.checkFolder(record, flag: "--record")
        return RecordingConfiguration(folder: record, budget: RecordingBudget(maximumBytes: bytes, maximumAgeMillis: Int64(age)))
    }

    /// A folder path that is not empty, not too long, and not a file (a folder that does not exist
    /// yet is made; one that cannot be written to is reported by the recorder while it runs).
    static func checkFolder(_ path: String, flag: String) throws {
        guard !path.isEmpty, path.utf8.count <= 1024, !path.utf8.contains(0) else {
            throw ValidationError("\(flag) must be a folder path of 1 to 1024 bytes")
        }
        var isFolder: ObjCBool = false
        if FileManager.default.fileExists(atPath: path, isDirectory: &isFolder), !isFolder.boolValue {
            throw ValidationError("\(flag) \(path) is a file, not a folder")
        }
    }
}
