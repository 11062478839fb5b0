// A tiny seeded generator so splits and baselines are reproducible across runs and platforms.

/// SplitMix64 (Steele, Lea & Flood, 2014): a fast, seedable `RandomNumberGenerator`.
public struct SplitMix64: RandomNumberGenerator, Sendable {
    /// The generator's whole state: `SplitMix64(seed: g.state)` continues exactly where `g` is.
    private(set) var state: UInt64

    /// Creates a generator from a seed; equal seeds give equal sequences.
    public init(seed: UInt64) { state = seed }

    /// Next 64 random bits.
    public mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }

    /// A stable 64-bit hash of a string (FNV-1a), independent of Swift's per-process hash seed.
    public static func stableHash(_ text: String) -> UInt64 {
        var hash: UInt64 = 0xCBF2_9CE4_8422_2325
        for byte in text.utf8 { hash = (hash ^ UInt64(byte)) &* 0x0000_0100_0000_01B3 }
        return hash
    }
}
