/// IEEE-754 binary16 conversion done on bit patterns, so it behaves the same on every platform
/// (Swift's `Float16` is missing on macOS/x86_64). Rounding is to nearest, ties to even; values
/// beyond ±65504 become ±infinity, values below half the smallest subnormal become ±0.
public enum HalfPrecision {
    /// The binary16 bit pattern nearest to `value`.
    public static func bits(from value: Float) -> UInt16 {
        let x = value.bitPattern
        let sign = UInt16(truncatingIfNeeded: (x >> 16) & 0x8000)
        let exponent = Int((x >> 23) & 0xff)
        var mantissa = x & 0x7f_ffff
        if exponent == 0xff {
            // Infinity stays infinity; NaN keeps its top payload bits and is forced quiet (non-zero).
            if mantissa == 0 { return sign | 0x7c00 }
            return sign | 0x7e00 | UInt16(truncatingIfNeeded: mantissa >> 13)
        }
        let halfExponent = exponent - 127 + 15
        if halfExponent >= 0x1f { return sign | 0x7c00 }
        if halfExponent <= 0 {
            // Result is subnormal (or zero): value = m · 2^-24, so shift the 24-bit significand right.
            if halfExponent < -10 { return sign }
            mantissa |= 0x80_0000
            let shift = UInt32(14 - halfExponent)
            var rounded = mantissa >> shift
            let remainder = mantissa & ((1 << shift) - 1)
            let halfway: UInt32 = 1 << (shift - 1)
            if remainder > halfway || (remainder == halfway && rounded & 1 == 1) { rounded += 1 }
            return sign | UInt16(truncatingIfNeeded: rounded)
        }
        var half = UInt32(halfExponent) << 10 | (mantissa >> 13)
        let remainder = mantissa & 0x1fff
        // A carry out of the mantissa correctly bumps the exponent (and reaches infinity at the top).
        if remainder > 0x1000 || (remainder == 0x1000 && half & 1 == 1) { half += 1 }
        return sign | UInt16(truncatingIfNeeded: half)
    }

    /// The `Float` exactly equal to the binary16 value with bit pattern `bits`.
    public static func float(fromBits bits: UInt16) -> Float {
        let sign = UInt32(bits & 0x8000) << 16
        let exponent = UInt32(bits >> 10) & 0x1f
        let mantissa = UInt32(bits & 0x3ff)
        if exponent == 0 {
            if mantissa == 0 { return Float(bitPattern: sign) }
            let magnitude = Float(mantissa) * (1.0 / 16_777_216.0)
            return sign == 0 ? magnitude : -magnitude
        }
        if exponent == 0x1f { return Float(bitPattern: sign | 0x7f80_0000 | (mantissa << 13)) }
        return Float(bitPattern: sign | ((exponent + 112) << 23) | (mantissa << 13))
    }

    /// `value` rounded to the nearest binary16 value and widened back.
    public static func rounded(_ value: Float) -> Float { float(fromBits: bits(from: value)) }
}
