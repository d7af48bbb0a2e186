#if canImport(Glibc)
import Glibc
#endif
import AccessControl
import Foundation
import PropertyBased
import TestSupport
import Testing

@Suite("Credentials and secrets")
struct CredentialsTests {
    static let token = "abcdefghijklmnop0123"

    @Test("Credentials accept exactly the configured pair or token, and nothing when open")
    func accepts() throws {
        let both = Credentials(
            basic: try BasicSecret(parsing: "genesys:pa:ss-0123456789ab", source: "t"), bearer: try BearerSecret(parsing: Self.token, source: "t")
        )
        #expect(both.accepts(.basic(user: "genesys", password: "pa:ss-0123456789ab")))
        #expect(both.accepts(.bearer(Self.token)))
        #expect(!both.accepts(.basic(user: "genesys", password: "pa:sS-0123456789ab")))
        #expect(!both.accepts(.basic(user: "Genesys", password: "pa:ss-0123456789ab")))
        #expect(!both.accepts(.basic(user: "genesys", password: "pa:ss-0123456789a")))
        #expect(!both.accepts(.bearer(Self.token + "x")))
        #expect(!both.accepts(.bearer(String(Self.token.dropLast()))))
        #expect(!both.accepts(.bearer("")))
        #expect(!both.accepts(.none))
        let bearerOnly = Credentials(bearer: try BearerSecret(parsing: Self.token, source: "t"))
        #expect(!bearerOnly.accepts(.basic(user: "x", password: Self.token)))
        #expect(bearerOnly.challenges == ["Bearer realm=\"edgewatch\""])
        let open = Credentials()
        #expect(open.isOpen)
        #expect(!open.accepts(.bearer(Self.token)))
        #expect(open.challenges.isEmpty)
    }

    @Test("Describing credentials or secrets never shows the secret")
    func descriptions() throws {
        let basic = try BasicSecret(parsing: "genesys:hunter2-long-enough-pw", source: "t")
        let bearer = try BearerSecret(parsing: Self.token, source: "t")
        let credentials = Credentials(basic: basic, bearer: bearer)
        for text in ["\(basic)", "\(bearer)", "\(credentials)", String(reflecting: credentials)] {
            #expect(!text.contains("hunter2") && !text.contains(Self.token), "\(text)")
        }
        #expect("\(credentials)" == "Basic+Bearer")
    }

    @Test("Basic secrets must be user:password; messages name the source, never the value")
    func basicParsing() {
        for bad in ["nocolon", ":s3cret-0123456789ab", "genesys:", "genesys:short-password", "gen\nesys:s3cret-0123456789ab", "genesys:s3\u{7F}cret-0123456789ab", String(repeating: "a", count: 5000) + ":p"] {
            #expect(throws: SecretError.self) { try BasicSecret(parsing: bad, source: "LOOKUP_BASIC_AUTH") }
            do throws(SecretError) {
                _ = try BasicSecret(parsing: bad, source: "LOOKUP_BASIC_AUTH")
            } catch {
                #expect(error.message.hasPrefix("LOOKUP_BASIC_AUTH"))
                #expect(bad.count < 3 || !error.message.contains(bad))
            }
        }
    }

    @Test("Bearer tokens: 16 to 4,096 characters of the b64token alphabet, then = padding")
    func bearerParsing() throws {
        for good in [Self.token, "A-._~+/0123456789ab", Self.token + "==", String(repeating: "z", count: 4096)] {
            _ = try BearerSecret(parsing: good, source: "t")
        }
        for bad in ["short", Self.token + " ", "tok\(Self.token)\n", "=" + Self.token, String(repeating: "=", count: 20), Self.token + "é",
                    String(repeating: "z", count: 4097)] {
            #expect(throws: SecretError.self, "\(bad.debugDescription)") { try BearerSecret(parsing: bad, source: "t") }
        }
    }

    @Test("Seeded fuzz: any text either parses or gives a message without the text; none traps")
    func fuzz() {
        let characters = Gen.oneOf(Gen.character(in: " "..."~"), Gen.character(in: "\u{0}"..."\u{1F}"), Gen.character(in: "\u{80}"..."\u{3000}"))
        forAll(characters.string(of: 0...80), count: 5_000, seed: 0xAC_CE55) { text in
            do throws(SecretError) {
                _ = try BearerSecret(parsing: text, source: "src")
                #expect(text.utf8.count >= 16 && !text.contains(" "))
            } catch {
                #expect(text.count < 8 || !error.message.contains(text))
            }
            do throws(SecretError) {
                let secret = try BasicSecret(parsing: text, source: "src")
                #expect(Credentials(basic: secret).accepts(.basic(user: secret.user, password: String(text.dropFirst(secret.user.count + 1)))))
            } catch {
                #expect(text.count < 8 || !error.message.contains(text))
            }
        }
    }
}

@Suite("Secret files and variables")
struct SecretTextTests {
    static func file(_ contents: Data) throws -> String {
        let url = FileManager.default.temporaryDirectory.appendingPathComponent("edgewatch-secret-\(UUID().uuidString)")
        try contents.write(to: url)
        return url.path
    }

    @Test("A file's one trailing newline (LF or CRLF) is dropped; the rest is kept")
    func trailingNewline() throws {
        for (contents, expected) in [("tok\n", "tok"), ("tok\r\n", "tok"), ("tok", "tok"), ("tok\n\n", "tok\n"), (" tok ", " tok ")] {
            let path = try Self.file(Data(contents.utf8))
            defer { try? FileManager.default.removeItem(atPath: path) }
            #expect(try SecretText.file(at: path, flag: "--f") == expected)
        }
    }

    @Test("Missing, empty, oversized, non-regular and non-UTF-8 files are refused with the flag named")
    func badFiles() throws {
        let empty = try Self.file(Data())
        let newlineOnly = try Self.file(Data("\n".utf8))
        let big = try Self.file(Data(repeating: 0x61, count: SecretText.maximumBytes + 1))
        let binary = try Self.file(Data([0xFF, 0xFE, 0x00, 0x80]))
        defer { for path in [empty, newlineOnly, big, binary] { try? FileManager.default.removeItem(atPath: path) } }
        for path in [empty, newlineOnly, big, binary, "/nonexistent/secret", FileManager.default.temporaryDirectory.path, "/dev/zero"] {
            #expect(throws: SecretError.self, "\(path)") { try SecretText.file(at: path, flag: "--ingest-token-file") }
            do throws(SecretError) { _ = try SecretText.file(at: path, flag: "--ingest-token-file") } catch {
                #expect(error.message.hasPrefix("--ingest-token-file"))
            }
        }
    }

    @Test("Symbolic links are followed to regular files (Kubernetes secrets, certbot); a FIFO or device behind one is refused at once")
    func symlinks() throws {
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("edgewatch-links-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: folder) }
        let target = folder.appendingPathComponent("token").path
        try "linked-token\n".write(toFile: target, atomically: true, encoding: .utf8)
        let link = folder.appendingPathComponent("link").path
        try FileManager.default.createSymbolicLink(atPath: link, withDestinationPath: target)
        #expect(try SecretText.file(at: link, flag: "--f") == "linked-token")
        let fifo = folder.appendingPathComponent("fifo").path
        #expect(mkfifo(fifo, 0o600) == 0)
        let fifoLink = folder.appendingPathComponent("fifo-link").path
        try FileManager.default.createSymbolicLink(atPath: fifoLink, withDestinationPath: fifo)
        let deviceLink = folder.appendingPathComponent("zero-link").path
        try FileManager.default.createSymbolicLink(atPath: deviceLink, withDestinationPath: "/dev/zero")
        for path in [fifo, fifoLink, deviceLink] {
            #expect(throws: BoundedFile.Problem.notRegular, "\(path)") { try BoundedFile.read(path, limit: 64) }
        }
    }

    @Test("The variable or the file, not both; an empty variable counts as unset")
    func variableOrFile() throws {
        let path = try Self.file(Data("from-file\n".utf8))
        defer { try? FileManager.default.removeItem(atPath: path) }
        let read = { (environment: [String: String], path: String?) throws(SecretError) in
            try SecretText.read(variable: "TOKEN", fileFlag: "--token-file", path: path, environment: environment)
        }
        #expect(try read([:], nil) == nil)
        #expect(try read(["TOKEN": ""], nil) == nil)
        #expect(try read(["TOKEN": "env"], nil)?.text == "env")
        #expect(try read([:], path)?.text == "from-file")
        #expect(try read([:], path)?.source == "the file given to --token-file")
        #expect(throws: SecretError("both TOKEN and --token-file are set; use one")) { try read(["TOKEN": "env"], path) }
    }
}

@Suite("Addresses")
struct AddressTests {
    @Test("IPv4 counts whole, IPv4-mapped IPv6 as its IPv4, IPv6 by its /64")
    func clientAddress() {
        let v4 = ClientAddress(bytes: [203, 0, 113, 7])
        #expect(v4.description == "203.0.113.7")
        #expect(ClientAddress(bytes: [0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xFF, 0xFF, 203, 0, 113, 7]) == v4)
        let a = ClientAddress(bytes: [0x20, 0x01, 0x0d, 0xb8, 0, 1, 0, 2] + [1, 2, 3, 4, 5, 6, 7, 8])
        let b = ClientAddress(bytes: [0x20, 0x01, 0x0d, 0xb8, 0, 1, 0, 2] + [9, 9, 9, 9, 9, 9, 9, 9])
        let c = ClientAddress(bytes: [0x20, 0x01, 0x0d, 0xb8, 0, 1, 0, 3] + [1, 2, 3, 4, 5, 6, 7, 8])
        #expect(a == b)
        #expect(a != c)
        #expect(a.description == "2001:db8:1:2::/64")
        #expect(ClientAddress(bytes: [1, 2, 3]) == .unknown)
        #expect(ClientAddress(bytes: [0, 0, 0, 0]) != .unknown)
    }

    @Test("Loopback: localhost, 127.0.0.0/8 and ::1 only")
    func loopback() {
        for host in ["127.0.0.1", "127.1.2.3", "localhost", "LOCALHOST", "::1", "[::1]"] { #expect(LoopbackHost.contains(host), "\(host)") }
        for host in ["0.0.0.0", "::", "10.0.0.1", "127.0.0.1.example.com", "127.0.0", "127.0.0.256", "127.0.0.1 ", "localhost.", "example.com", ""] {
            #expect(!LoopbackHost.contains(host), "\(host)")
        }
    }
}
