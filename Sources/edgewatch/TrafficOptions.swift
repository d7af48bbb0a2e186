import ArgumentParser
import DemoWorld
import EdgewatchKit
import LookupCore
import Traffic

/// Options of the synthetic callers (dashboard, serve --traffic, loadgen).
struct TrafficOptions: ParsableArguments {
    @Option(help: "Synthetic callers per second, all colos together (0 turns them off).")
    var rate = DemoWorld.callersPerSecond

    @Option(help: ArgumentHelp("Comma-separated colos the callers come from.", valueName: "LIST"))
    var colos = DemoWorld.colos.joined(separator: ",")

    @Option(help: ArgumentHelp("A colo's own rate, overriding its share of --rate (repeatable), e.g. SIN=20.", valueName: "COLO=N"))
    var coloRate: [String] = []

    @Option(help: "Share of callers with numbers the CRM does not know.")
    var unknownShare = CallerModel.Shares().unknown

    @Option(help: "Share of email-only lookups.")
    var emailShare = CallerModel.Shares().emailOnly

    @Option(help: "Share of unexpanded ${input.x} macros.")
    var macroShare = CallerModel.Shares().macro

    @Option(help: "Share of malformed request bodies.")
    var malformedShare = CallerModel.Shares().malformed

    @Option(help: "Zipf exponent over known customers (higher: more repeat callers).")
    var zipf = CallerModel.Shares().zipfExponent

    func validate() throws {
        guard rate >= 0, rate <= 5_000 else { throw ValidationError("--rate must be between 0 and 5000") }
        let shares = [unknownShare, emailShare, macroShare, malformedShare]
        guard shares.allSatisfy({ (0...1).contains($0) }), shares.reduce(0, +) <= 1 else {
            throw ValidationError("caller shares must each be between 0 and 1 and add up to at most 1")
        }
        guard zipf > 0, zipf <= 5 else { throw ValidationError("--zipf must be between 0 and 5") }
        let list = coloList
        guard !list.isEmpty, list.count <= ColoName.maximumColos else { throw ValidationError("--colos must name 1 to \(ColoName.maximumColos) colos") }
        if let bad = list.first(where: { Colo($0) == nil }) {
            throw ValidationError("--colos: \"\(bad)\" is not \(Colo.rule)")
        }
        if let twice = list.first(where: { name in list.filter { $0 == name }.count > 1 }) {
            throw ValidationError("--colos names \(twice) twice")
        }
        _ = try overrides()
    }

    var coloList: [String] {
        colos.split(separator: ",").map { $0.trimmingCharacters(in: .whitespaces).uppercased() }.filter { !$0.isEmpty }
    }

    /// `--colo-rate` entries: a colo from `--colos` and a rate from 0 (silent) to 5000 per second.
    func overrides() throws -> [String: Double] {
        do { return try ColoRates.parse(coloRate, colos: coloList) } catch { throw ValidationError("--colo-rate: " + error.description) }
    }

    var model: CallerModel {
        var shares = CallerModel.Shares()
        shares.unknown = unknownShare
        shares.emailOnly = emailShare
        shares.macro = macroShare
        shares.malformed = malformedShare
        shares.zipfExponent = zipf
        return CallerModel(shares: shares)
    }

    /// The callers' configuration, sending `authorization` with each lookup; nil at rate 0.
    func configuration(authorization: String? = nil) -> TrafficConfiguration? {
        guard rate > 0 else { return nil }
        var traffic = TrafficConfiguration(rate: rate, colos: coloList)
        traffic.model = model
        traffic.coloRates = (try? overrides()) ?? [:]
        traffic.authorization = authorization
        return traffic
    }
}
