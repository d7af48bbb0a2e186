import ArgumentParser
import Foundation
import SampleScenarios

/// `edgewatch sample-metrics`: writes the recorded scenarios and their README.
struct SampleMetricsCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "sample-metrics",
        abstract: "Write the sample scenarios (JSON Lines) and their README, deterministically."
    )

    @Option(help: "Folder to write into.")
    var out = "sample-metrics"

    func run() throws {
        let folder = URL(fileURLWithPath: out, isDirectory: true)
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        for scenario in SampleScenarios.all {
            try scenario.jsonLines().write(to: folder.appendingPathComponent(scenario.file), atomically: true, encoding: .utf8)
            print("wrote \(out)/\(scenario.file)")
        }
        try SampleScenarios.readme().write(to: folder.appendingPathComponent("README.md"), atomically: true, encoding: .utf8)
        print("wrote \(out)/README.md")
    }
}
