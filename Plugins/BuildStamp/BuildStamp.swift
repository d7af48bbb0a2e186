import Foundation
import PackagePlugin

/// Writes `BuildCommit.swift` (`let buildCommit = "<commit>"`) before each build of the target it
/// is applied to: the source tree's commit, with `-dirty` when tracked files differ from it, or
/// `unknown` outside a git checkout. The file is rewritten only when the value changes, so an
/// unchanged tree recompiles nothing.
@main
struct BuildStamp: BuildToolPlugin {
    func createBuildCommands(context: PluginContext, target: Target) throws -> [Command] {
        let output = context.pluginWorkDirectoryURL.appending(path: "Stamp")
        let script = #"""
            mkdir -p "$1"
            commit=$(git -C "$2" rev-parse --short=12 HEAD 2>/dev/null) || commit=unknown
            if [ "$commit" != unknown ] && [ -n "$(git -C "$2" status --porcelain --untracked-files=no 2>/dev/null)" ]; then commit="$commit-dirty"; fi
            line="let buildCommit = \"$commit\""
            [ "$(cat "$1/BuildCommit.swift" 2>/dev/null)" = "$line" ] || printf '%s\n' "$line" > "$1/BuildCommit.swift"
            """#
        return [
            .prebuildCommand(
                displayName: "Stamping the build with its commit",
                executable: URL(fileURLWithPath: "/bin/sh"),
                arguments: ["-c", script, "stamp", output.path, context.package.directoryURL.path],
                outputFilesDirectory: output
            )
        ]
    }
}
