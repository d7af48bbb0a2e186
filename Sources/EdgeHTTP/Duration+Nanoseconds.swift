extension Duration {
    /// Whole nanoseconds (durations here are seconds to minutes, far from overflowing).
    public var nanoseconds: Int64 {
        components.seconds * 1_000_000_000 + components.attoseconds / 1_000_000_000
    }
}
