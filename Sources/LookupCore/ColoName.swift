/// The one rule for colo names, wherever events and requests enter and wherever colos are kept:
/// the engine's windows, the reporting sources, the Prometheus labels and the caches.
///
/// - A name is upper case; an empty one, one over ``maximumLength`` bytes, or `ALL` (the name of
///   every colo together, never one colo) is `UNKNOWN`.
/// - Each keeper holds at most ``maximumColos`` names; later colos share `OTHER`.
public enum ColoName {
    public static let maximumColos = 64
    public static let maximumLength = 16
    public static let other = "OTHER"
    public static let unknown = "UNKNOWN"
    /// Every colo together: a row of the engine's, never a colo.
    public static let all = "ALL"

    /// `raw` as every keeper files it.
    public static func normalised(_ raw: String) -> String {
        // Colos almost always arrive as upper-case codes already; skip the allocation then.
        let isUpper = raw.utf8.allSatisfy { !($0 >= UInt8(ascii: "a") && $0 <= UInt8(ascii: "z")) }
        let name = isUpper ? raw : raw.uppercased()
        return name.isEmpty || name.utf8.count > maximumLength || name == all ? unknown : name
    }

    /// The name a keeper that already holds `count` names (and `name` among them if `known`) files
    /// `name` under: itself, or `OTHER` once the keeper is full.
    public static func admitted(_ name: String, known: Bool, count: Int, maximum: Int = maximumColos) -> String {
        known || count < maximum ? name : other
    }
}
