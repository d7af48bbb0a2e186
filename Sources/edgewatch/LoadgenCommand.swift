import AccessControl
import EdgewatchKit
import ArgumentParser
import EdgeHTTP
import Foundation
import LookupCore
import Traffic

/// `edgewatch loadgen`: the demo's caller model against any lookup endpoint, open-model.
struct LoadgenCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "loadgen",
        abstract: "Drive a lookup endpoint (ours or another) with the synthetic caller model, and report."
    )

    @Option(help: "Base URL of the middleware, e.g. http://127.0.0.1:\(HTTPServerSettings.defaultPort) (POSTs go to /lookup/customer).")
    var target: String

    @Option(help: "How long to run, e.g. 30s or 2m.")
    var duration = "30s"

    @OptionGroup(title: "Callers") var callers: TrafficOptions

    @OptionGroup(title: "Credentials sent") var access: LookupAccessOptions

    @Option(help: "text or json.")
    var format: Format = .text

    @Option(help: "Seed for the caller model, for repeatable runs.")
    var seed: UInt64 = 42

    enum Format: String, ExpressibleByArgument { case text, json }

    func validate() throws {
        guard URL(string: target)?.host != nil, target.hasPrefix("http") else {
            throw ValidationError("--target must be an http(s) URL such as http://127.0.0.1:\(HTTPServerSettings.defaultPort)")
        }
        guard callers.rate > 0 else { throw ValidationError("--rate must be above 0") }
        guard let seconds = DurationText.milliseconds(duration), seconds >= 1000, seconds <= 86_400_000 else {
            throw ValidationError("--duration must be between 1s and 24h, such as 30s")
        }
    }

    func run() async throws {
        let authorization = try access.load().authorization
        if authorization != nil, target.lowercased().hasPrefix("http://"), !LoopbackHost.contains(URL(string: target)?.host ?? "") {
            StandardError.write("edgewatch: warning: sending the lookup credential in clear text to \(target); use https\n")
        }
        let traffic = callers.configuration(authorization: authorization)!
        let summary = await LoadRun.run(traffic, target: target, duration: .milliseconds(Int64(DurationText.milliseconds(duration)!)), seed: seed)
        switch format {
        case .json:
            let encoder = JSONEncoder()
            encoder.outputFormatting = [.prettyPrinted, .sortedKeys]
            print(String(decoding: try encoder.encode(summary), as: UTF8.self))
        case .text:
            print(summary.text)
        }
        if summary.answered == 0 { throw ExitCode.failure }
    }
}
