import CVitrineKernels
import Foundation
import Testing
import VitrineCore
import VitrineStore

@Suite struct EncodingTests {
    @Test func sha256MatchesFIPSVectors() {
        #expect(SHA256.hex(of: Data()) == "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855")
        #expect(SHA256.hex(of: Data("abc".utf8)) == "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad")
        #expect(SHA256.hex(of: Data("abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq".utf8))
            == "248d6a61d20638b8e5c026930c3e6039a33ce45964ff2167f6ecedd419db06c1")
    }

    /// FIPS 180-2's million-'a' vector exercises many blocks in one call; the SHA-extension path (when
    /// this CPU has it) must match the portable one on every block count.
    @Test func sha256HardwareAndPortableAgree() {
        #expect(SHA256.hex(of: Data(repeating: UInt8(ascii: "a"), count: 1_000_000))
            == "cdc76e5c9914fb9281a1c7e284d73e67f1809a48a497200e046d39ccc7112cd0")
        var seed: UInt64 = 3
        let data = (0 ..< 64 * 37).map { _ -> UInt8 in
            seed = seed &* 6364136223846793005 &+ 1442695040888963407
            return UInt8(truncatingIfNeeded: seed >> 56)
        }
        for blocks in [1, 2, 3, 17, 37] {
            var hardware: [UInt32] = [0x6a09_e667, 0xbb67_ae85, 0x3c6e_f372, 0xa54f_f53a, 0x510e_527f, 0x9b05_688c, 0x1f83_d9ab, 0x5be0_cd19]
            var portable = hardware
            vk_sha256_blocks(&hardware, data, blocks)
            vk_sha256_blocks_portable(&portable, data, blocks)
            #expect(hardware == portable, "\(blocks) blocks (SHA extensions in use: \(SHA256.usesHardwareInstructions))")
        }
    }

    @Test func sha256IsTheSameFedInPieces() {
        let bytes = (0 ..< 1000).map { UInt8(truncatingIfNeeded: $0 &* 31 &+ 7) }
        var pieces = SHA256()
        var offset = 0
        for size in [1, 63, 64, 65, 7, 200, 600] {
            pieces.update(Data(bytes[offset ..< offset + size]))
            offset += size
        }
        var bytewise = SHA256()
        bytewise.update(bytes)
        #expect(pieces.finalizeHex() == SHA256.hex(of: Data(bytes)))
        #expect(bytewise.finalizeHex() == SHA256.hex(of: Data(bytes)))
    }

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
