// Compact byte forms of vectors for storage: IEEE-754 binary16 (fp16) or binary32, little-endian.
// fp16 halves the store size; its ~3 significant digits are plenty for cosine ranking
// (unit-vector components are ≤ 1, so the absolute error is ≤ 2⁻¹¹ per component).
// Conversion is done by hand on bit patterns so it behaves the same on every platform.

/// Converts between `Float` and IEEE-754 half-precision bit patterns.
public enum HalfPrecision {
    /// Rounds a Float to the nearest half (ties to even); overflow gives ±infinity, NaN stays NaN.
    public static func bits(from value: Float) -> UInt16 {
        let bits = value.bitPattern
        let sign = UInt16((bits >> 16) & 0x8000)
        let exponent = Int((bits >> 23) & 0xFF)
        let mantissa = bits & 0x7F_FFFF
        if exponent == 0xFF {
            // Infinity, or NaN with a quiet bit set so it cannot collapse into infinity.
            return mantissa == 0 ? sign | 0x7C00 : sign | 0x7E00 | UInt16(truncatingIfNeeded: mantissa >> 13)
        }
        let halfExponent = exponent - 127 + 15
        if halfExponent >= 0x1F { return sign | 0x7C00 }
        if halfExponent <= 0 {
            // Subnormal half (or zero): value = m · 2⁻²⁴.
            let shift = 14 - halfExponent
            if shift > 24 { return sign }
            let full = mantissa | 0x80_0000
            var m = full >> UInt32(shift)
            let remainder = full & ((1 << UInt32(shift)) - 1)
            let halfway: UInt32 = 1 << UInt32(shift - 1)
            if remainder > halfway || (remainder == halfway && (m & 1) == 1) { m += 1 }
            return sign | UInt16(m)
        }
        var h = (UInt32(halfExponent) << 10) | (mantissa >> 13)
        let remainder = mantissa & 0x1FFF
        // A carry out of the mantissa correctly bumps the exponent (up to infinity).
        if remainder > 0x1000 || (remainder == 0x1000 && (h & 1) == 1) { h += 1 }
        return sign | UInt16(h)
    }

    /// The exact Float value of a half bit pattern.
    public static func value(from bits: UInt16) -> Float {
        let sign: UInt32 = UInt32(bits & 0x8000) << 16
        let exponent = UInt32((bits >> 10) & 0x1F)
        let mantissa = UInt32(bits & 0x3FF)
        if exponent == 0 {
            let magnitude = Float(mantissa) * 0x1p-24
            return sign == 0 ? magnitude : -magnitude
        }
        if exponent == 0x1F { return Float(bitPattern: sign | 0x7F80_0000 | (mantissa << 13)) }
        return Float(bitPattern: sign | ((exponent + 112) << 23) | (mantissa << 13))
    }
}

/// A byte encoding for stored vectors.
public enum VectorEncoding: String, Sendable, Codable, CaseIterable {
    /// IEEE half precision, 2 bytes per value, little-endian.
    case fp16
    /// IEEE single precision, 4 bytes per value, little-endian.
    case fp32

    /// Bytes per stored value.
    public var bytesPerValue: Int { self == .fp16 ? 2 : 4 }

    /// Encodes a vector as little-endian bytes.
    public func encode(_ vector: [Float]) -> [UInt8] {
        var bytes = [UInt8]()
        bytes.reserveCapacity(vector.count * bytesPerValue)
        switch self {
        case .fp16:
            for value in vector {
                let h = HalfPrecision.bits(from: value)
                bytes.append(UInt8(truncatingIfNeeded: h))
                bytes.append(UInt8(truncatingIfNeeded: h >> 8))
            }
        case .fp32:
            for value in vector {
                let b = value.bitPattern
                for shift in stride(from: 0, to: 32, by: 8) { bytes.append(UInt8(truncatingIfNeeded: b >> UInt32(shift))) }
            }
        }
        return bytes
    }

    /// Decodes little-endian bytes into a vector.
    /// - Parameter dimension: when given, the decoded length must equal it.
    /// - Throws: `.invalidEncoding` when the byte count is not a multiple of the value size;
    ///   `.dimensionMismatch` when the length differs from `dimension`.
    public func decode(_ bytes: [UInt8], dimension: Int? = nil) throws -> [Float] {
        guard bytes.count % bytesPerValue == 0 else {
            throw VitrineCoreError.invalidEncoding(byteCount: bytes.count, encoding: rawValue)
        }
        let count = bytes.count / bytesPerValue
        if let dimension, dimension != count {
            throw VitrineCoreError.dimensionMismatch(field: "\(rawValue) blob", expected: dimension, actual: count)
        }
        var out = [Float](repeating: 0, count: count)
        switch self {
        case .fp16:
            for i in 0..<count {
                let h = UInt16(bytes[2 * i]) | (UInt16(bytes[2 * i + 1]) << 8)
                out[i] = HalfPrecision.value(from: h)
            }
        case .fp32:
            for i in 0..<count {
                let b = UInt32(bytes[4 * i]) | (UInt32(bytes[4 * i + 1]) << 8)
                    | (UInt32(bytes[4 * i + 2]) << 16) | (UInt32(bytes[4 * i + 3]) << 24)
                out[i] = Float(bitPattern: b)
            }
        }
        return out
    }
}
