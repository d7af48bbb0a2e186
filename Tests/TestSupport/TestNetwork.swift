#if canImport(Glibc)
import Glibc
#endif
import Foundation

/// A network namespace of the test's own, joined to this one by a veth pair: `hostAddress` on
/// this side, the next address of the same /30 on the other. A command run inside it reaches this machine's
/// listeners the way another host on the network would, never through loopback.
public struct TestNetwork: Sendable {
    public let name: String
    let hostSide: String
    public let hostAddress: String

    public struct SetupFailed: Error, CustomStringConvertible {
        public let command: String
        public var description: String { "could not make the test's network namespace (needs root and iproute2): \(command)" }
    }

    /// Makes the namespace and the pair; throws naming the command that failed. Names and the
    /// /30 are drawn at random, so test processes running at once do not collide.
    public static func make() throws -> TestNetwork {
        let id = String(UInt32.random(in: 0..<(1 << 24)), radix: 16)
        let third = Int.random(in: 0..<250), fourth = 4 * Int.random(in: 0..<63)
        let network = TestNetwork(name: "ewtest\(id)", hostSide: "ewh\(id)", hostAddress: "10.231.\(third).\(fourth + 1)")
        let guestAddress = "10.231.\(third).\(fourth + 2)"
        let peer = "ewn\(id)"
        let inside = "ip netns exec \(network.name)"
        for command in [
            "ip netns add \(network.name)",
            "ip link add \(network.hostSide) type veth peer name \(peer)",
            "ip link set \(peer) netns \(network.name)",
            "ip addr add \(network.hostAddress)/30 dev \(network.hostSide)",
            "ip link set \(network.hostSide) up",
            "\(inside) ip addr add \(guestAddress)/30 dev \(peer)",
            "\(inside) ip link set \(peer) up",
            "\(inside) ip link set lo up",
        ] where runShell(command + " >/dev/null 2>&1") != 0 {
            network.remove()
            throw SetupFailed(command: command)
        }
        return network
    }

    /// Runs `command` with `sh` inside the namespace; its exit status (-1 past `limit`).
    public func run(_ command: String, limit: Duration = .seconds(15)) -> Int32 {
        runShell("ip netns exec \(name) sh -c '\(command)'", limit: limit)
    }

    public func remove() {
        _ = runShell("ip link del \(hostSide) >/dev/null 2>&1; ip netns del \(name) >/dev/null 2>&1")
    }
}
