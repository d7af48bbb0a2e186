import AccessControl
import Foundation
import NIOSSL

/// The listener's TLS material, as paths: a certificate chain and key, and optionally the CA
/// that client certificates must chain to (mutual TLS, e.g. the Genesys regional CA).
public struct TLSFiles: Sendable, Equatable {
    public var certificate: String
    public var key: String
    public var clientCA: String?

    public init(certificate: String, key: String, clientCA: String? = nil) {
        self.certificate = certificate
        self.key = key
        self.clientCA = clientCA
    }

    /// PEM files bigger than this are refused before they are read.
    public static let maximumFileBytes = 1 << 20

    /// Loads the files and builds the server configuration, checking that the key matches the
    /// certificate. Every failure is a plain message naming the flag and the file.
    public func configuration() throws(TLSSetupError) -> TLSConfiguration {
        let chain = try Self.certificates(at: certificate, flag: "--tls-cert")
        let privateKey: NIOSSLPrivateKey
        do {
            privateKey = try NIOSSLPrivateKey(bytes: Array(try Self.contents(of: key, flag: "--tls-key")), format: .pem)
        } catch let error as TLSSetupError {
            throw error
        } catch {
            throw TLSSetupError("--tls-key: \(key) holds no PEM private key (an encrypted key is not supported)")
        }
        var configuration = TLSConfiguration.makeServerConfiguration(
            certificateChain: chain.map { .certificate($0) }, privateKey: .privateKey(privateKey)
        )
        configuration.minimumTLSVersion = .tlsv12
        if let clientCA {
            configuration.trustRoots = .certificates(try Self.certificates(at: clientCA, flag: "--tls-client-ca"))
            // A client certificate is required and must chain to the CA; clients have no host name to check.
            configuration.certificateVerification = .noHostnameVerification
            configuration.sendCANameList = true
        }
        do {
            // Builds the context once now, so a key that does not match the certificate fails at start-up.
            _ = try NIOSSLContext(configuration: configuration)
        } catch {
            throw TLSSetupError("--tls-cert and --tls-key do not make a usable pair (does the key belong to the certificate?)")
        }
        return configuration
    }

    static func certificates(at path: String, flag: String) throws(TLSSetupError) -> [NIOSSLCertificate] {
        let bytes = try contents(of: path, flag: flag)
        guard let chain = try? NIOSSLCertificate.fromPEMBytes(Array(bytes)), !chain.isEmpty else {
            throw TLSSetupError("\(flag): \(path) holds no PEM certificate")
        }
        return chain
    }

    static func contents(of path: String, flag: String) throws(TLSSetupError) -> Data {
        do { return try BoundedFile.read(path, limit: maximumFileBytes) } catch { throw TLSSetupError("\(flag): " + error.message(path: path)) }
    }
}

/// TLS material that could not be used, with a message naming the flag and file.
public struct TLSSetupError: Error, Sendable, CustomStringConvertible {
    public let message: String
    public init(_ message: String) { self.message = message }
    public var description: String { message }
}

/// A client's TLS material, as paths: the CA the server's certificate must chain to (a private
/// CA; the system's roots otherwise), and a certificate and key for a listener that asks for one
/// (mutual TLS).
public struct ClientTLSFiles: Sendable, Equatable {
    public var caFile: String?
    public var certificate: String?
    public var key: String?

    public init(caFile: String? = nil, certificate: String? = nil, key: String? = nil) {
        self.caFile = caFile
        self.certificate = certificate
        self.key = key
    }

    /// Loads the files into a client configuration; every failure names the flag and the file.
    public func configuration() throws(TLSSetupError) -> TLSConfiguration {
        var configuration = TLSConfiguration.makeClientConfiguration()
        configuration.minimumTLSVersion = .tlsv12
        if let caFile {
            configuration.trustRoots = .certificates(try TLSFiles.certificates(at: caFile, flag: "--ca-file"))
        }
        switch (certificate, key) {
        case (nil, nil):
            break
        case (let certificate?, let key?):
            let chain = try TLSFiles.certificates(at: certificate, flag: "--client-cert")
            let privateKey: NIOSSLPrivateKey
            do {
                privateKey = try NIOSSLPrivateKey(bytes: Array(try TLSFiles.contents(of: key, flag: "--client-key")), format: .pem)
            } catch let error as TLSSetupError {
                throw error
            } catch {
                throw TLSSetupError("--client-key: \(key) holds no PEM private key (an encrypted key is not supported)")
            }
            configuration.certificateChain = chain.map { .certificate($0) }
            configuration.privateKey = .privateKey(privateKey)
        case (.some, nil):
            throw TLSSetupError("--client-cert needs --client-key")
        case (nil, .some):
            throw TLSSetupError("--client-key needs --client-cert")
        }
        do {
            _ = try NIOSSLContext(configuration: configuration)
        } catch {
            throw TLSSetupError("--client-cert and --client-key do not make a usable pair (does the key belong to the certificate?)")
        }
        return configuration
    }
}
