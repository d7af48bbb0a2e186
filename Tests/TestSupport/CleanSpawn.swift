#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
import Foundation

/// Runs `/bin/sh -c command` to completion with none of this process's descriptors but 0, 1
/// and 2, and returns its exit status: -1 if it could not start, was killed by a signal, or had
/// not finished within `limit` (it is then killed).
///
/// SwiftNIO opens its sockets without close-on-exec, and the tests run many servers at once: a
/// child that outlives its command (the tmux server that `tmux new-session` starts) would
/// otherwise keep another test's listening socket open, and that port could not be bound again.
public func runShell(_ command: String, limit: Duration = .seconds(30)) -> Int32 {
    var actions = posix_spawn_file_actions_t()
    posix_spawn_file_actions_init(&actions)
    defer { posix_spawn_file_actions_destroy(&actions) }
    var attributes = posix_spawnattr_t()
    posix_spawnattr_init(&attributes)
    defer { posix_spawnattr_destroy(&attributes) }
    closeFromThree(&actions, &attributes)
    let words: [String] = ["/bin/sh", "-c", command]
    let argv: [UnsafeMutablePointer<CChar>?] = words.map { word in word.withCString { strdup($0) } } + [nil]
    defer { for pointer in argv { free(pointer) } }
    let variables = ProcessInfo.processInfo.environment.map { "\($0.key)=\($0.value)" }
    let envp: [UnsafeMutablePointer<CChar>?] = variables.map { line in line.withCString { strdup($0) } } + [nil]
    defer { for pointer in envp { free(pointer) } }
    var pid: pid_t = 0
    guard posix_spawn(&pid, "/bin/sh", &actions, &attributes, argv, envp) == 0 else { return -1 }
    // Polled, so a command that hangs is killed at the limit instead of holding this thread.
    let deadline = ContinuousClock.now + limit
    var status: Int32 = 0
    while true {
        let waited = waitpid(pid, &status, WNOHANG)
        if waited == pid { break }
        if waited == -1 && errno != EINTR { return -1 }
        if ContinuousClock.now >= deadline {
            kill(pid, SIGKILL)
            _ = waitpid(pid, &status, 0)
            return -1
        }
        usleep(2_000)
    }
    return (status & 0x7F) == 0 ? (status >> 8) & 0xFF : -1
}

#if canImport(Glibc)
/// glibc 2.34's `posix_spawn_file_actions_addclosefrom_np`, which Swift's Glibc module does not
/// export, looked up by name. Without it (an older glibc, or if it fails), each descriptor open
/// now is closed by number: one opened by another thread between this listing and the spawn
/// would still pass, so the fast path is the one to rely on.
private func closeFromThree(_ actions: inout posix_spawn_file_actions_t, _ attributes: inout posix_spawnattr_t) {
    typealias AddCloseFrom = @convention(c) (UnsafeMutablePointer<posix_spawn_file_actions_t>, Int32) -> Int32
    if let symbol = dlsym(UnsafeMutableRawPointer(bitPattern: 0), "posix_spawn_file_actions_addclosefrom_np"),
       unsafeBitCast(symbol, to: AddCloseFrom.self)(&actions, 3) == 0 {
        return
    }
    guard let folder = opendir("/proc/self/fd") else { return }
    var open: [Int32] = []
    while let entry = readdir(folder) {
        let name = withUnsafeBytes(of: entry.pointee.d_name) { String(decoding: $0.prefix { $0 != 0 }, as: UTF8.self) }
        if let descriptor = Int32(name), descriptor > 2 { open.append(descriptor) }
    }
    closedir(folder)
    // The folder's own descriptor is closed by now: only those still open are closed in the child.
    for descriptor in open where fcntl(descriptor, F_GETFD) != -1 { _ = posix_spawn_file_actions_addclose(&actions, descriptor) }
}
#else
/// Darwin closes every descriptor not named in the file actions with this flag.
private func closeFromThree(_ actions: inout posix_spawn_file_actions_t, _ attributes: inout posix_spawnattr_t) {
    _ = posix_spawnattr_setflags(&attributes, Int16(POSIX_SPAWN_CLOEXEC_DEFAULT))
    for descriptor: Int32 in 0...2 { _ = posix_spawn_file_actions_addinherit_np(&actions, descriptor) }
}
#endif
