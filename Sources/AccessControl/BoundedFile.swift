import Foundation

/// Reads a whole regular file of at most a given size: the one way edgewatch reads the small
/// files an operator points it at (secrets, certificates, keys), so a path to a device, a
/// directory or a huge file is refused before anything is read.
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
        guard let attributes = try? FileManager.default.attributesOfItem(atPath: path) else { throw .unreadable }
        guard attributes[.type] as? FileAttributeType == .typeRegular else { throw .notRegular }
        guard let size = attributes[.size] as? Int, size <= limit else { throw .tooLarge(limit: limit) }
        guard let handle = FileHandle(forReadingAtPath: path) else { throw .unreadable }
        defer { try? handle.close() }
        // One byte past the limit, in case the file grew after it was measured. Nil at the end
        // of the file: an empty file reads as no bytes.
        let data = (try? handle.read(upToCount: limit + 1)) ?? Data()
        guard data.count <= limit else { throw .tooLarge(limit: limit) }
        return data
    }
}
