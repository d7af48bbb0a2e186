import Foundation
#if canImport(Glibc)
import Glibc
#endif

/// Makes a folder read-only for this process, and writable again: `chmod 555`, or for root (whom
/// modes do not stop) the immutable attribute (`chattr +i`). Checked by trying to write.
public enum ReadOnlyFolder {
    /// True when `path` now refuses new files.
    public static func lock(_ path: String) -> Bool {
        let command = geteuid() == 0 ? "chattr +i '\(path)'" : "chmod 555 '\(path)'"
        _ = runShell(command + " 2>/dev/null")
        let probe = path + "/.probe-\(UUID().uuidString)"
        if FileManager.default.createFile(atPath: probe, contents: Data()) {
            try? FileManager.default.removeItem(atPath: probe)
            return false
        }
        return true
    }

    public static func unlock(_ path: String) {
        _ = runShell((geteuid() == 0 ? "chattr -i '\(path)'" : "chmod 755 '\(path)'") + " 2>/dev/null")
    }
}
