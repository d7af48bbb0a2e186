import Crypto
import Foundation
import X509

/// A throwaway PKI made in-process for TLS tests: a CA, a server certificate for `localhost`,
/// and client certificates, written as PEM files to a fresh temporary folder.
public struct TestPKI: Sendable {
    public let folder: URL
    public let caCertificate: String
    public let serverCertificate: String
    public let serverKey: String
    public let clientCertificate: String
    public let clientKey: String
    /// A client certificate from a different CA, which mutual TLS must refuse.
    public let strangerCertificate: String
    public let strangerKey: String

    public static func make() throws -> TestPKI {
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("edgewatch-pki-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        let ca = try Authority(name: "edgewatch test CA")
        let stranger = try Authority(name: "someone else's CA")
        let server = try ca.issue(name: "localhost", usage: .serverAuth)
        let client = try ca.issue(name: "genesys data actions", usage: .clientAuth)
        let strangerClient = try stranger.issue(name: "not genesys", usage: .clientAuth)
        func write(_ name: String, _ text: String) throws -> String {
            let url = folder.appendingPathComponent(name)
            try text.write(to: url, atomically: true, encoding: .utf8)
            return url.path
        }
        return TestPKI(
            folder: folder,
            caCertificate: try write("ca.pem", ca.certificatePEM),
            serverCertificate: try write("server.pem", server.certificate), serverKey: try write("server-key.pem", server.key),
            clientCertificate: try write("client.pem", client.certificate), clientKey: try write("client-key.pem", client.key),
            strangerCertificate: try write("stranger.pem", strangerClient.certificate), strangerKey: try write("stranger-key.pem", strangerClient.key)
        )
    }

    public func remove() { try? FileManager.default.removeItem(at: folder) }

    struct Authority {
        let key: P256.Signing.PrivateKey
        let certificate: Certificate

        init(name: String) throws {
            key = P256.Signing.PrivateKey()
            let subject = try DistinguishedName { CommonName(name) }
            certificate = try Certificate(
                version: .v3, serialNumber: .init(), publicKey: .init(key.publicKey),
                notValidBefore: Date() - 3600, notValidAfter: Date() + 86_400,
                issuer: subject, subject: subject, signatureAlgorithm: .ecdsaWithSHA256,
                extensions: try Certificate.Extensions {
                    Critical(BasicConstraints.isCertificateAuthority(maxPathLength: nil))
                    Critical(KeyUsage(keyCertSign: true))
                },
                issuerPrivateKey: .init(key)
            )
        }

        var certificatePEM: String { (try? certificate.serializeAsPEM().pemString) ?? "" }

        func issue(name: String, usage: ExtendedKeyUsage.Usage) throws -> (certificate: String, key: String) {
            let leafKey = P256.Signing.PrivateKey()
            let certificate = try Certificate(
                version: .v3, serialNumber: .init(), publicKey: .init(leafKey.publicKey),
                notValidBefore: Date() - 3600, notValidAfter: Date() + 86_400,
                issuer: self.certificate.subject, subject: try DistinguishedName { CommonName(name) },
                signatureAlgorithm: .ecdsaWithSHA256,
                extensions: try Certificate.Extensions {
                    Critical(BasicConstraints.notCertificateAuthority)
                    Critical(KeyUsage(digitalSignature: true))
                    try ExtendedKeyUsage([usage])
                    SubjectAlternativeNames([.dnsName(name == "localhost" ? "localhost" : "client.invalid")])
                },
                issuerPrivateKey: .init(key)
            )
            return (try certificate.serializeAsPEM().pemString, leafKey.pemRepresentation)
        }
    }
}
