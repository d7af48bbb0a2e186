#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Runs `/bin/sh -c command` to completion with none of this process's descriptors but 0, 1
/// and 2, and returns its exit status (-1 if it could not start).
///
/// SwiftNIO opens its sockets without close-on-exec, and the tests run many servers at once: a
/// child that outlives its command (the tmux server that `tmux new-session` starts) would
/// otherwise keep another test's listening socket open, and that port could not be bound again.
public func runShell(_ command: String) -> Int32 {
    var actions = posix_spawn_file_actions_t()
    posix_spawn_file_actions_init(&actions)
    defer { posix_spawn_file_actions_destroy(&actions) }
    closeFromThree(&actions)
    let words: [String] = ["/bin/sh", "-c", command]
    let argv: [UnsafeMutablePointer<CChar>?] = words.map { word in word.withCString { strdup($0) } } + [nil]
    defer { for pointer in argv { free(pointer) } }
    var pid: pid_t = 0
    guard posix_spawn(&pid, "/bin/sh", &actions, nil, argv, environ) == 0 else { return -1 }
    var status: Int32 = 0
    while waitpid(pid, &status, 0) == -1 {
        guard errno == EINTR else { return -1 }
    }
    return (status & 0x7F) == 0 ? (status >> 8) & 0xFF : -1
}

#if canImport(Glibc)
/// glibc 2.34's `posix_spawn_file_actions_addclosefrom_np`, which Swift's Glibc module does not
/// export, looked up by name; without it, each descriptor open now is closed by number.
private func closeFromThree(_ actions: inout posix_spawn_file_actions_t) {
    typealias AddCloseFrom = @convention(c) (UnsafeMutablePointer<posix_spawn_file_actions_t>, Int32) -> Int32
    if let symbol = dlsym(UnsafeMutableRawPointer(bitPattern: 0), "posix_spawn_file_actions_addclosefrom_np") {
        _ = unsafeBitCast(symbol, to: AddCloseFrom.self)(&actions, 3)
        return
    }
    guard let folder = opendir("/proc/self/fd") else { return }
    var open: [Int32] = []
    while let entry = readdir(folder) {
        let name = withUnsafeBytes(of: entry.pointee.d_name) { String(decoding: $0.prefix { $0 != 0 }, as: UTF8.self) }
        if let descriptor = Int32(name), descriptor > 2 { open.append(descriptor) }
    }
    closedir(folder)
    // The folder's own descriptor is closed by now; closing it again in the child is refused,
    // so each close is added on its own and a refusal is ignored.
    for descriptor in open where fcntl(descriptor, F_GETFD) != -1 { _ = posix_spawn_file_actions_addclose(&actions, descriptor) }
}
#else
private func closeFromThree(_ actions: inout posix_spawn_file_actions_t) {}
#endif
