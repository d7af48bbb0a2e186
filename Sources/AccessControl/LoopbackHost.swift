/// Whether a listen address reaches only this machine.
public enum LoopbackHost {
    /// True for `localhost`, `127.0.0.0/8` and `::1`. Anything else, `0.0.0.0` and host names
    /// included, may be reachable from elsewhere.
    public static func contains(_ host: String) -> Bool {
        let lowered = host.lowercased()
        if lowered == "localhost" || lowered == "::1" || lowered == "[::1]" { return true }
        let parts = lowered.split(separator: ".", omittingEmptySubsequences: false)
        guard parts.count == 4, parts[0] == "127" else { return false }
        return parts.allSatisfy { part in !part.isEmpty && part.count <= 3 && part.allSatisfy(\.isASCII) && UInt8(part) != nil }
    }
}
