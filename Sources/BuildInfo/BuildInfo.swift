/// What `edgewatch --version` prints: the release and the commit it was built from.
public enum BuildInfo {
    /// The release, by semantic versioning (0.x while the command line and the APIs may change).
    public static let version = "0.9.0"
    /// The commit the build's sources were at (`-dirty` with uncommitted changes), stamped by the
    /// BuildStamp plugin at build time; `unknown` when built outside a git checkout.
    public static let commit = buildCommit
    /// `0.9.0 (commit 1a2b3c4d5e6f)`
    public static var description: String { "\(version) (commit \(commit))" }
}
