import VitrineTensor
import Foundation
import Testing
import VitrineCore
import VitrineStore

@Suite struct EncodingTests {
    @Test func everyHalfValueRoundTripsThroughFloat() {
        var mismatches: [UInt16] = []
        for bits in 0 ... UInt16.max {
            let value = HalfPrecision.float(fromBits: bits)
            let back = HalfPrecision.bits(from: value)
            let ok = value.isNaN ? (back & 0x7c00 == 0x7c00 && back & 0x3ff != 0) : back == bits
            if !ok { mismatches.append(bits) }
        }
        #expect(mismatches.isEmpty, "first mismatches: \(mismatches.prefix(5))")
    }

    @Test func halfRoundingIsNearestEven() {
        // 1 + 2^-11 lies exactly between 1 and the next half (1 + 2^-10): ties go to the even mantissa, 1.
        #expect(HalfPrecision.rounded(1 + 0x1p-11) == 1)
        // 1 + 3·2^-11 lies between 1 + 2^-10 (odd) and 1 + 2^-9 (even): ties go up.
        #expect(HalfPrecision.rounded(1 + 3 * 0x1p-11) == 1 + 0x1p-9)
        #expect(HalfPrecision.rounded(65504) == 65504)
        #expect(HalfPrecision.rounded(65520) == .infinity)
        #expect(HalfPrecision.rounded(0x1p-25) == 0)           // exact tie between 0 and 2^-24 → even (0)
        #expect(HalfPrecision.rounded(0x1.8p-25) == 0x1p-24)   // above the tie → smallest subnormal
        #expect(HalfPrecision.rounded(-0x1p-30).sign == .minus)
    }

    #if !(os(macOS) && arch(x86_64))
    @Test func halfEncodingAgreesWithSwiftFloat16() {
        var generator = SplitMix64(seed: 42)
        var mismatches: [Float] = []
        for _ in 0 ..< 20_000 {
            // Half the samples anywhere, half with exponents around the half range (2^-28 ... 2^18).
            let raw = UInt32(truncatingIfNeeded: generator.next())
            let value = raw & 1 == 0 ? Float(bitPattern: raw) : Float(bitPattern: (raw & 0x8000_0000) | (0x3180_0000 + raw % 0x1700_0000))
            guard !value.isNaN else { continue }
            if HalfPrecision.bits(from: value) != Float16(value).bitPattern { mismatches.append(value) }
        }
        #expect(mismatches.isEmpty, "first mismatches: \(mismatches.prefix(5))")
    }
    #endif
}

/// Small deterministic generator for test inputs.
struct SplitMix64: RandomNumberGenerator {
    var state: UInt64
    init(seed: UInt64) { state = seed }
    mutating func next() -> UInt64 {
        state &+= 0x9e37_79b9_7f4a_7c15
        var z = state
        z = (z ^ (z >> 30)) &* 0xbf58_476d_1ce4_e5b9
        z = (z ^ (z >> 27)) &* 0x94d0_49bb_1331_11eb
        return z ^ (z >> 31)
    }
}
