import Foundation
import Testing
import VitrineTensor

@Suite struct SHA256Tests {
    @Test func sha256MatchesFIPSVectors() {
        #expect(SHA256.hex(of: Data()) == "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855")
        #expect(SHA256.hex(of: Data("abc".utf8)) == "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad")
        #expect(SHA256.hex(of: Data("abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq".utf8))
            == "248d6a61d20638b8e5c026930c3e6039a33ce45964ff2167f6ecedd419db06c1")
    }

    /// FIPS 180-2's million-'a' vector exercises many blocks in one call; the SHA-extension path (when
    /// this CPU has it) must match the portable one on every block count.
    @Test func sha256HardwareAndPortableAgree() {
        let million = Data(repeating: UInt8(ascii: "a"), count: 1_000_000)
        var portableMillion = SHA256(portable: true)
        portableMillion.update(million)
        #expect(SHA256.hex(of: million) == "cdc76e5c9914fb9281a1c7e284d73e67f1809a48a497200e046d39ccc7112cd0")
        #expect(portableMillion.finalizeHex() == "cdc76e5c9914fb9281a1c7e284d73e67f1809a48a497200e046d39ccc7112cd0")
        var seed: UInt64 = 3
        let data = (0 ..< 64 * 37).map { _ -> UInt8 in
            seed = seed &* 6364136223846793005 &+ 1442695040888963407
            return UInt8(truncatingIfNeeded: seed >> 56)
        }
        for blocks in [1, 2, 3, 17, 37] { // whole blocks go to the compression in one call
            var hardware = SHA256(), portable = SHA256(portable: true)
            hardware.update(data.prefix(64 * blocks))
            portable.update(data.prefix(64 * blocks))
            #expect(hardware.finalize() == portable.finalize(), "\(blocks) blocks (SHA extensions in use: \(SHA256.usesHardwareInstructions))")
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
}
