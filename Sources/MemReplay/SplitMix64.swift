/// A small seeded random number generator (SplitMix64): the same seed gives the same stream on
/// every platform, which keeps synthesized traces byte-for-byte reproducible.
public struct SplitMix64: RandomNumberGenerator, Sendable {
    public var state: UInt64
    public init(seed: UInt64) { state = seed }

    @inlinable public mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }

    /// A uniform value in 0..<bound (bound > 0), without modulo bias worth caring about here.
    @inlinable public mutating func below(_ bound: UInt64) -> UInt64 {
        UInt64((UInt128(next()) * UInt128(bound)) >> 64)
    }
}
