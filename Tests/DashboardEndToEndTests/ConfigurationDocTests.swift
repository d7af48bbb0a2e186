import Foundation
import Subprocess
import TestSupport
import Testing

/// `docs/configuration.md` against `--help`: the same flags for every command, with the same
/// defaults, both ways. The tables are written by hand; this keeps them true.
@Suite("The configuration tables and --help agree")
struct ConfigurationDocTests {
    static let commands = ["dashboard", "serve", "watch", "attach", "replay", "report", "rules", "grafana", "record", "loadgen", "sample-metrics", "crm-sim"]

    /// Each command's flags in the page, with the default column's text.
    static func documented() throws -> [String: [String: String]] {
        let text = try String(contentsOf: TmuxDashboardTests.root.appendingPathComponent("docs/configuration.md"), encoding: .utf8)
        var tables: [String: [String: String]] = [:]
        var current: [String] = []
        for line in text.split(separator: "\n").map(String.init) {
            if line.hasPrefix("Commands: ") {
                current = line.dropFirst("Commands: ".count).split(separator: " ").map { $0.trimmingCharacters(in: CharacterSet(charactersIn: "`")) }
                continue
            }
            guard line.hasPrefix("| `--") else { continue }
            let cells = line.split(separator: "|", omittingEmptySubsequences: false).map { $0.trimmingCharacters(in: .whitespaces) }
            guard cells.count >= 5 else { continue }
            let flag = String(cells[1].dropFirst().prefix { $0 != " " && $0 != "`" })
            for command in current { tables[command, default: [:]][flag] = cells[3].replacingOccurrences(of: "`", with: "") }
        }
        return tables
    }

    /// A command's flags in `--help`: the default it prints (nil when it prints none) and the help text.
    static func help(_ command: String) async throws -> [String: (value: String?, text: String)] {
        let output = try await within(.seconds(30), "edgewatch help \(command)") {
            try await run(.path(.init(TmuxDashboardTests.binary)), arguments: ["help", command], output: .string(limit: 1 << 20)).standardOutput
        }
        var flags: [String: String] = [:]
        var current: String?
        for line in output.split(separator: "\n", omittingEmptySubsequences: false).map(String.init) {
            if line.hasPrefix("  --") {
                let flag = String(line.dropFirst(2).prefix { $0 != " " && $0 != "," })
                current = flag
                flags[flag] = String(line.dropFirst(2 + flag.count))
            } else if let flag = current, line.hasPrefix("    ") {
                flags[flag]! += " " + line.trimmingCharacters(in: .whitespaces)
            } else {
                current = nil
            }
        }
        // Every command takes these two; the page names them once, above the tables.
        flags["--help"] = nil
        flags["--version"] = nil
        return flags.mapValues { description in
            let value = description.range(of: #"\(default:\s*([^)]*)\)"#, options: .regularExpression).map {
                String(description[$0].dropFirst("(default:".count).dropLast()).trimmingCharacters(in: .whitespaces)
            }
            return (value, description)
        }
    }

    /// Where `--help` prints no default, the page's must be a word for nothing, prose (more than
    /// one word), or a value the help text itself names.
    static func agreesWithoutDefault(_ documented: String, help text: String) -> Bool {
        ["none", "off", "empty", ""].contains(documented) || documented.contains(" ") || text.contains(documented)
    }

    static func same(_ documented: String, _ shown: String) -> Bool {
        if let a = Double(documented), let b = Double(shown) { return a == b }
        return documented == shown
    }

    @Test("Every flag of every command is in its table and every table's flag in --help, with the same default", arguments: commands)
    func agree(command: String) async throws {
        try #require(FileManager.default.isExecutableFile(atPath: TmuxDashboardTests.binary), "the edgewatch binary is missing: \(TmuxDashboardTests.binary)")
        let documented = try #require(try Self.documented()[command], "no table for \(command)")
        let shown = try await Self.help(command)
        #expect(Set(documented.keys) == Set(shown.keys),
                "only in the page: \(Set(documented.keys).subtracting(shown.keys).sorted()); only in --help: \(Set(shown.keys).subtracting(documented.keys).sorted())")
        for (flag, help) in shown {
            guard let written = documented[flag] else { continue }
            if let value = help.value {
                #expect(Self.same(written, value), "\(command) \(flag): the page says \(written), --help \(value)")
            } else {
                #expect(Self.agreesWithoutDefault(written, help: help.text), "\(command) \(flag): the page says \(written); --help names no default")
            }
        }
    }

    @Test("Every relative link in the README, ARCHITECTURE and docs/ names a file that exists")
    func links() throws {
        let root = TmuxDashboardTests.root
        let docs = root.appendingPathComponent("docs")
        let pages = [root.appendingPathComponent("README.md"), root.appendingPathComponent("ARCHITECTURE.md")]
            + (try FileManager.default.contentsOfDirectory(at: docs, includingPropertiesForKeys: nil)).filter { $0.pathExtension == "md" }
        var checked = 0
        for page in pages {
            let text = try String(contentsOf: page, encoding: .utf8)
            for match in text.matches(of: /\]\(([^)\s]+)\)/) {
                let target = String(match.1)
                guard !target.contains("://"), !target.hasPrefix("#"), !target.hasPrefix("mailto:") else { continue }
                let path = String(target.prefix { $0 != "#" })
                let resolved = page.deletingLastPathComponent().appendingPathComponent(path).standardizedFileURL
                #expect(FileManager.default.fileExists(atPath: resolved.path), "\(page.lastPathComponent) links \(target), which does not exist")
                checked += 1
            }
        }
        #expect(checked > 20, "only \(checked) links found: is the pattern still right?")
    }

    @Test("edgewatch --version prints the release and the commit it was built from: this checkout's")
    func version() async throws {
        try #require(FileManager.default.isExecutableFile(atPath: TmuxDashboardTests.binary), "the edgewatch binary is missing: \(TmuxDashboardTests.binary)")
        let output = try await within(.seconds(30), "edgewatch --version") {
            try await run(.path(.init(TmuxDashboardTests.binary)), arguments: ["--version"], output: .string(limit: 4_096)).standardOutput
        } ?? ""
        let line = output.trimmingCharacters(in: .whitespacesAndNewlines)
        #expect(line.range(of: #"^edgewatch [0-9]+\.[0-9]+\.[0-9]+ \(commit ([0-9a-f]{12}(-dirty)?|unknown)\)$"#, options: .regularExpression) != nil, "\(line)")
        // The package this test belongs to: `swift test` built the binary from it just now.
        let package = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent().path
        let file = FileManager.default.temporaryDirectory.appendingPathComponent("head-\(UUID().uuidString)").path
        defer { try? FileManager.default.removeItem(atPath: file) }
        let head = runShell("git -C '\(package)' rev-parse --short=12 HEAD > '\(file)' 2>/dev/null") == 0
            ? (try String(contentsOfFile: file, encoding: .utf8)).trimmingCharacters(in: .whitespacesAndNewlines) : "unknown"
        #expect(line.contains("(commit \(head)"), "built from \(head)? \(line)")
    }
}
