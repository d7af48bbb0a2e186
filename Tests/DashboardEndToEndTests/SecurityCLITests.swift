#if canImport(Glibc)
import DemoWorld
import Glibc
#endif
import CRMSimulator
import Foundation
import Subprocess
import TestSupport
import Testing

/// The binary as an operator runs it: unsafe or broken settings exit 2 with a plain message
/// that never repeats a secret, and a trace-level run logs no secret and no personal data.
@Suite("Security from the command line", .serialized)
struct SecurityCLITests {
    static let token = "lookup-token-0123456789abcdef"
    static let crmKey = "crm-key-9876543210fedcba"
    static let readToken = "read-token-aaaabbbbccccdddd"
    static let ingestToken = "ingest-token-eeeeffffgggghhhh"
    static let basic = "genesys:basic-password-0123456789"

    /// A plain text file that is neither a secret nor PEM, made for the refusals below.
    static let textFile: String = {
        let path = FileManager.default.temporaryDirectory.appendingPathComponent("edgewatch-text-\(UUID().uuidString)").path
        try? "not a secret, not PEM\n".write(toFile: path, atomically: true, encoding: .utf8)
        return path
    }()

    /// Runs the binary to its end (within 30 s); returns its exit code and standard error.
    static func exit(_ arguments: [String], environment: [String: String] = [:]) async throws -> (code: Int32?, stderr: String) {
        try await within(.seconds(30), "edgewatch \(arguments.joined(separator: " "))") {
            let result = try await run(
                .path(.init(TmuxDashboardTests.binary)), arguments: .init(arguments),
                environment: .inherit.updating(environment.mapValues { Optional($0) }.reduce(into: [:]) { $0[.init(stringLiteral: $1.key)] = $1.value }),
                input: .none, output: .discarded, error: .string(limit: 1 << 20)
            )
            if case .exited(let code) = result.terminationStatus { return (code, result.standardError) }
            return (nil, result.standardError)
        }
    }

    struct Refusal: Sendable, CustomTestStringConvertible {
        var name: String
        var arguments: [String]
        var environment: [String: String] = [:]
        var message: String
        var testDescription: String { name }
    }

    static let refusals: [Refusal] = [
        .init(name: "serve beyond loopback with no credential", arguments: ["serve", "--host", "0.0.0.0", "--port", "0"],
              message: "LOOKUP_BASIC_AUTH or LOOKUP_BEARER_TOKEN"),
        .init(name: "dashboard beyond loopback with no credential", arguments: ["--host", "0.0.0.0", "--port", "0"],
              message: "LOOKUP_BASIC_AUTH or LOOKUP_BEARER_TOKEN"),
        .init(name: "watch beyond loopback with no ingest token", arguments: ["watch", "--host", "0.0.0.0", "--port", "0"],
              message: "INGEST_TOKEN"),
        .init(name: "headless watch beyond loopback with no ingest token", arguments: ["watch", "--headless", "--host", "0.0.0.0", "--port", "0"],
              message: "INGEST_TOKEN"),
        .init(name: "an admin token too short to be safe", arguments: ["serve", "--port", "0"], environment: ["ADMIN_TOKEN": "tiny-admin"],
              message: "ADMIN_TOKEN must be 16 to"),
        .init(name: "attach to a URL holding a password, not repeated", arguments: ["attach", "https://ops:hunter2-secret@edge.example:8443"],
              message: "the URL must be http:// or https:// with a host"),
        .init(name: "attach to a URL with a token in its query", arguments: ["attach", "https://edge.example/?token=q-secret-123"],
              message: "no user, password, query or fragment"),
        .init(name: "attach sending a token in clear text beyond loopback", arguments: ["attach", "http://edge.example:8787"],
              environment: ["READ_TOKEN": "read-token-0123456789abcdef"], message: "refusing to send READ_TOKEN or ADMIN_TOKEN in clear text to edge.example"),
        .init(name: "attach with a client certificate but no key", arguments: ["attach", "https://edge.example", "--client-cert", textFile],
              message: "--client-cert needs --client-key"),
        .init(name: "attach with a CA file that is not PEM", arguments: ["attach", "https://edge.example", "--ca-file", textFile],
              message: "--ca-file: \(textFile) holds no PEM certificate"),
        .init(name: "a token too short to be safe", arguments: ["serve", "--port", "0"], environment: ["LOOKUP_BEARER_TOKEN": "tiny-secret-x"],
              message: "LOOKUP_BEARER_TOKEN must be 16 to"),
        .init(name: "a Basic secret without a colon", arguments: ["serve", "--port", "0"], environment: ["LOOKUP_BASIC_AUTH": "genesys-nocolon-secret"],
              message: "LOOKUP_BASIC_AUTH must be user:password"),
        .init(name: "a variable and a file for the same secret", arguments: ["serve", "--port", "0", "--ingest-token-file", textFile],
              environment: ["INGEST_TOKEN": ingestToken], message: "both INGEST_TOKEN and --ingest-token-file are set"),
        .init(name: "a CRM key with a newline", arguments: ["serve", "--port", "0"], environment: ["CRM_API_KEY": "crm-key\nsecond-line"],
              message: "CRM_API_KEY holds a control character"),
        .init(name: "a missing certificate", arguments: ["serve", "--port", "0", "--tls-cert", "/nonexistent.pem", "--tls-key", "/nonexistent-key.pem"],
              message: "--tls-cert: cannot read /nonexistent.pem"),
        .init(name: "a key without a certificate", arguments: ["serve", "--port", "0", "--tls-key", textFile], message: "--tls-key needs --tls-cert"),
        .init(name: "a client CA without TLS", arguments: ["serve", "--port", "0", "--tls-client-ca", textFile],
              message: "--tls-client-ca needs --tls-cert"),
        .init(name: "an Alertmanager URL holding a password", arguments: ["serve", "--port", "0", "--alertmanager", "http://am:hunter2-secret@am-1:9093"],
              message: "--alertmanager must be an http:// or https:// URL"),
        .init(name: "the same Alertmanager twice", arguments: ["serve", "--port", "0", "--alertmanager", "http://am-1:9093", "--alertmanager", "http://AM-1:9093/"],
              message: "--alertmanager names the same Alertmanager twice"),
        .init(name: "nine Alertmanagers", arguments: ["serve", "--port", "0"] + (1...9).flatMap { ["--alertmanager", "http://am-\($0):9093"] },
              message: "at most 8"),
        .init(name: "a quiet colo without Alertmanager", arguments: ["serve", "--port", "0", "--quiet-colo", "SYD"],
              message: "only mean something with --alertmanager"),
        .init(name: "a quiet colo that is not a name", arguments: ["serve", "--port", "0", "--alertmanager", "http://am-1:9093", "--quiet-colo", "SYD,,LHR"],
              message: "--quiet-colo takes colo names of 1 to 16 printable characters"),
        .init(name: "a report URL holding a password", arguments: ["serve", "--port", "0", "--report-to", "http://ops:hunter2-secret@console:8790"],
              message: "--report-to must be an http:// or https:// URL"),
        .init(name: "a report URL with a token in its query", arguments: ["serve", "--port", "0", "--report-to", "https://console/ingest?token=q-secret-123"],
              message: "no user, password, query or fragment"),
        .init(name: "a report token without a report URL", arguments: ["serve", "--port", "0", "--report-token-file", textFile],
              message: "only mean something with --report-to"),
        .init(name: "an instance id that is not printable ASCII", arguments: ["serve", "--port", "0", "--report-to", "http://127.0.0.1:9", "--instance-id", "caf\u{E9}"],
              message: "--instance-id must be 1 to 64 printable ASCII characters"),
        .init(name: "a colo named ALL, the total row's name", arguments: ["serve", "--port", "0", "--colo", "ALL"],
              message: "--colo must be a three-letter code such as LHR (ALL names every colo together)"),
        .init(name: "a CRM URL that is not http(s), its query unrepeated", arguments: ["serve", "--port", "0", "--crm-url", "ftp://crm.example.com/api?api_key=q-secret-123"],
              message: "the CRM URL \"ftp://crm.example.com/api\" is not an absolute http(s) URL"),
        .init(name: "a certificate that is not PEM", arguments: ["serve", "--port", "0", "--tls-cert", textFile, "--tls-key", textFile],
              message: "--tls-cert: \(textFile) holds no PEM certificate"),
    ]

    @Test("Unsafe or unusable settings exit 2 with a message naming what to set, never the secret", arguments: refusals)
    func refusal(_ refusal: Refusal) async throws {
        try TmuxDashboardTests.requireTools()
        let outcome = try await Self.exit(refusal.arguments, environment: refusal.environment)
        #expect(outcome.code == 2, "\(outcome.stderr)")
        #expect(outcome.stderr.contains(refusal.message), "\(outcome.stderr)")
        for secret in refusal.environment.values { #expect(!outcome.stderr.contains(secret), "the message repeated a secret") }
        for secret in ["hunter2-secret", "q-secret-123"] { #expect(!outcome.stderr.contains(secret), "the message repeated a secret") }
    }

    @Test("serve beyond loopback starts with a credential, or with --allow-unauthenticated")
    func allowed() async throws {
        try TmuxDashboardTests.requireTools()
        for (arguments, environment) in [([String](), ["LOOKUP_BEARER_TOKEN": Self.token]), (["--allow-unauthenticated"], [:])] {
            let started = try await within(.seconds(30), "serve on 0.0.0.0 to start") {
                try await run(
                    .path(.init(TmuxDashboardTests.binary)), arguments: .init(["serve", "--host", "0.0.0.0", "--port", "0"] + arguments),
                    environment: .inherit.updating(environment.reduce(into: [:]) { $0[.init(stringLiteral: $1.key)] = $1.value }),
                    input: .none, output: .discarded, error: .sequence
                ) { execution in
                    var lines = execution.standardError.strings().makeAsyncIterator()
                    var seen = false
                    while !seen, let line = try await lines.next() { seen = line.contains("serving the lookup API on http://0.0.0.0:") }
                    try execution.send(signal: .terminate)
                    while try await lines.next() != nil {}
                    return seen
                }.closureResult
            }
            #expect(started, "\(arguments)")
        }
    }

    @Test("A trace-level serve logs no secret and no customer's number, email or name")
    func traceLogs() async throws {
        try TmuxDashboardTests.requireTools()
        let environment: [String: String] = [
            "LOOKUP_BEARER_TOKEN": Self.token, "LOOKUP_BASIC_AUTH": Self.basic, "CRM_API_KEY": Self.crmKey, "READ_TOKEN": Self.readToken,
            "INGEST_TOKEN": Self.ingestToken,
        ]
        let index = 4242
        let phone = CustomerBook.phone(of: index)
        let email = CustomerBook.email(of: index)
        let person = try #require(CustomerBook().customer(index))
        let logged = try await within(.seconds(60), "serve at trace level") {
            try await run(
                .path(.init(TmuxDashboardTests.binary)), arguments: ["serve", "--port", "0", "--log-level", "trace"],
                environment: .inherit.updating(environment.reduce(into: [:]) { $0[.init(stringLiteral: $1.key)] = $1.value }),
                input: .none, output: .discarded, error: .sequence
            ) { execution in
                var lines = execution.standardError.strings().makeAsyncIterator()
                var log: [String] = []
                var simulator: String?
                var port: String?
                while simulator == nil || port == nil, let line = try await lines.next() {
                    log.append(line)
                    if let found = SignalTests.port(in: line, after: "simulator at http://127.0.0.1:") { simulator = "http://127.0.0.1:\(found)" }
                    if let found = SignalTests.port(in: line, after: "lookup API on http://127.0.0.1:") { port = found }
                }
                guard let simulator, let port else { return log + ["serve did not announce its ports"] }
                let base = "http://127.0.0.1:\(port)"
                let bearer = [("Authorization", "Bearer \(Self.token)")]
                let basic = [("Authorization", "Basic " + Data(Self.basic.utf8).base64EncodedString())]
                var answers: [Int] = []
                for fault in [#"{"down":false}"#, #"{"error":{"probability":1,"status":503},"down":false}"#, #"{"malformed":{"probability":1},"down":false}"#] {
                    _ = try await HTTPProbe.send(.PUT, simulator + "/admin/faults", body: fault)
                    for (number, body) in [#"{"ani":"\#(phone)"}"#, #"{"email":"\#(email)"}"#, #"{"ani":"tel: \#(phone)"}"#].enumerated() {
                        let auth = number == 1 ? basic : bearer
                        answers.append(try await HTTPProbe.send(.POST, base + "/lookup/customer", headers: auth, body: body).status)
                        answers.append(try await HTTPProbe.send(.POST, base + "/lookup/customer", body: body).status)
                    }
                }
                answers.append(try await HTTPProbe.send(.GET, base + "/api/snapshot", headers: [("Authorization", "Bearer \(Self.readToken)")]).status)
                answers.append(try await HTTPProbe.send(.GET, base + "/metrics", headers: [("Authorization", "Bearer wrong-read-token-000000")]).status)
                try execution.send(signal: .terminate)
                while let line = try await lines.next() { log.append(line) }
                return log + ["answers: \(answers)"]
            }.closureResult
        }
        let answers = logged.last ?? ""
        #expect(answers == "answers: [200, 401, 200, 401, 200, 401, 200, 401, 200, 401, 200, 401, 200, 401, 200, 401, 200, 401, 200, 401]", "\(answers)")
        // Trace level really was on: the server's own trace lines are there.
        #expect(logged.contains { $0.contains(" trace ") }, "no trace lines in \(logged.count) lines")
        let forbidden = [Self.token, Self.crmKey, Self.readToken, Self.ingestToken, String(Self.basic.split(separator: ":")[1]),
                         Data(Self.basic.utf8).base64EncodedString(), String(phone.dropFirst()), email,
                         Self.URLText(email), (person.firstName ?? "") + " " + (person.lastName ?? "")]
        for line in logged.dropLast() {
            for secret in forbidden { #expect(!line.contains(secret), "\(line)") }
        }
    }

    static func URLText(_ email: String) -> String { email.replacingOccurrences(of: "@", with: "%40") }
}
