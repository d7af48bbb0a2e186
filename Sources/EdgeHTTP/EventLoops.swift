import Foundation
import NIOCore
import NIOPosix

/// The event loops a process's servers and clients run on: one per core the process may run on.
/// Made by the assembly (`EdgewatchKit`) and handed to whoever needs loops; shut down once, at
/// the end. Nothing global.
///
/// NIO's shared group has one loop per core in the machine (or in the cgroup), whatever the CPU
/// affinity says. Under `taskset -c 1` on two cores that is two loops sharing one core, and the
/// scheduler's time slices (milliseconds) become the answers' tail latency.
public final class EventLoops: Sendable {
    public let group: MultiThreadedEventLoopGroup

    public init(count: Int = EventLoops.count) {
        group = MultiThreadedEventLoopGroup(numberOfThreads: max(1, count))
    }

    /// Stops the loops (everything on them must have stopped first).
    public func shutdown() async {
        try? await group.shutdownGracefully()
    }

    /// NIO's count (cores, or the cgroup's quota), capped by the affinity mask.
    public static var count: Int {
        let status = try? String(contentsOfFile: "/proc/self/status", encoding: .utf8)
        return max(1, min(System.coreCount, status.flatMap(allowedCores(inStatus:)) ?? .max))
    }

    /// The number of CPUs in `/proc/self/status`'s `Cpus_allowed_list` (`0-3,8,10-11`), or nil
    /// when the line is missing or not in that form.
    public static func allowedCores(inStatus status: String) -> Int? {
        guard let line = status.split(separator: "\n").first(where: { $0.hasPrefix("Cpus_allowed_list:") }) else { return nil }
        let list = line.dropFirst("Cpus_allowed_list:".count).trimmingCharacters(in: .whitespaces)
        var total = 0
        for part in list.split(separator: ",", omittingEmptySubsequences: false) {
            let ends = part.split(separator: "-", omittingEmptySubsequences: false)
            guard (1...2).contains(ends.count), let first = Int(ends[0]), let last = Int(ends[ends.count - 1]),
                  first >= 0, last >= first, last - first < 1 << 16 else { return nil }
            total += last - first + 1
        }
        return total > 0 ? total : nil
    }
}
