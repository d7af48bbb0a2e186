#if canImport(Glibc)
import Glibc
#endif
import Foundation

/// Reads a whole regular file of at most a given size: the one way edgewatch reads the small
/// files an operator points it at (secrets, certificates, keys).
///
/// The file is opened first (non-blocking, so a FIFO cannot hang the open) and the open file is
/// checked, so symbolic links are followed (Kubernetes secret volumes, certbot's `live/`
/// folder) and nothing can swap the file between the check and the read. A device, a directory,
/// a FIFO or a huge file is refused before anything is read.
public enum BoundedFile {
    /// Why a file was refused; the caller words the message with its flag.
    public enum Problem: Error, Sendable, Equatable {
        case unreadable
        case notRegular
        case tooLarge(limit: Int)

        /// "cannot read F", "F is not a regular file", "F is larger than N bytes".
        public func message(path: String) -> String {
            switch self {
            case .unreadable: "cannot read \(path)"
            case .notRegular: "\(path) is not a regular file"
            case .tooLarge(let limit): "\(path) is larger than \(limit) bytes"
            }
        }
    }

    public static func read(_ path: String, limit: Int) throws(Problem) -> Data {
        let descriptor = open(path, O_RDONLY | O_NONBLOCK | O_CLOEXEC)
        guard descriptor >= 0 else { throw .unreadable }
        defer { close(descriptor) }
        var status = stat()
        guard fstat(descriptor, &status) == 0 else { throw .unreadable }
        guard status.st_mode & S_IFMT == S_IFREG else { throw .notRegular }
        guard status.st_size <= limit else { throw .tooLarge(limit: limit) }
        // One byte past the limit, in case the file grew after it was measured.
        var bytes = [UInt8](repeating: 0, count: limit + 1)
        var filled = 0
        while filled < bytes.count {
            let count = bytes.withUnsafeMutableBytes { Glibc.read(descriptor, $0.baseAddress! + filled, $0.count - filled) }
            if count == 0 { break }
            if count < 0 {
                if errno == EINTR { continue }
                throw .unreadable
            }
            filled += count
        }
        guard filled <= limit else { throw .tooLarge(limit: limit) }
        return Data(bytes[0..<filled])
    }
}
