import PropertyBased

/// Runs `body` on `count` values from `generator`, drawn from a fixed seed, so a property test
/// checks the same inputs on every run and a failure names the input that broke it.
public func forAll<Value, Shrink>(
    _ generator: Generator<Value, Shrink>, count: Int = 2_000, seed: UInt64,
    _ body: (Value) throws -> Void
) rethrows {
    var rng = Xoshiro(seed: (seed, seed ^ 0x9E37_79B9_7F4A_7C15, ~seed, 0xD1B5_4A32_D192_ED03))
    for _ in 0..<count { try body(generator.run(using: &rng)) }
}

/// Doubles a hostile source sends: ordinary, huge, tiny, negative, and the non-finite ones.
public let hostileDoubles = Gen.oneOf(
    Gen.double(in: -1e6...1e6),
    Gen.double(in: -1e300...1e300),
    Gen.double(in: 0...1e-300),
    Gen.always(Double.nan), Gen.always(Double.infinity), Gen.always(-Double.infinity),
    Gen.always(-0.0), Gen.always(Double.greatestFiniteMagnitude), Gen.always(Double.leastNonzeroMagnitude)
)
