import CVitrineKernels
import Foundation

/// Incremental SHA-256 (FIPS 180-4), used for item content hashes so re-indexing can skip unchanged
/// items. Written here to avoid a crypto dependency; checked against the FIPS test vectors. Blocks are
/// compressed by `vk_sha256_blocks` (the x86 SHA extensions when present, portable C otherwise), which
/// is why it lives in VitrineTensor, the only module that talks to the C kernels.
public struct SHA256: Sendable {
    private var state: [UInt32] = [
        0x6a09_e667, 0xbb67_ae85, 0x3c6e_f372, 0xa54f_f53a, 0x510e_527f, 0x9b05_688c, 0x1f83_d9ab, 0x5be0_cd19,
    ]
    private var buffer: [UInt8] = []
    private var totalBytes: UInt64 = 0
    private let portable: Bool

    /// A hasher with no input yet. With `portable`, blocks are compressed by the portable C even on a
    /// CPU with the SHA extensions (the digest is the same; this is for checking the two against each other).
    public init(portable: Bool = false) {
        self.portable = portable
    }

    /// Feeds more bytes. Contiguous collections (`[UInt8]`, `Data`) take the block path of
    /// ``update(bytes:)``; byte-at-a-time iteration was ~7× slower than compressing.
    public mutating func update<Bytes: Sequence>(_ bytes: Bytes) where Bytes.Element == UInt8 {
        let done: Void? = bytes.withContiguousStorageIfAvailable { update(bytes: UnsafeRawBufferPointer($0)) }
        if done != nil { return }
        for byte in bytes {
            totalBytes &+= 1
            buffer.append(byte)
            if buffer.count == 64 { flushBuffer() }
        }
    }

    /// Feeds the bytes of `data`.
    public mutating func update(_ data: Data) {
        data.withUnsafeBytes { update(bytes: $0) }
    }

    /// Feeds raw bytes; whole 64-byte blocks are compressed straight from `bytes` without copying.
    public mutating func update(bytes: UnsafeRawBufferPointer) {
        totalBytes &+= UInt64(bytes.count)
        var offset = 0
        while offset < bytes.count, !buffer.isEmpty {
            buffer.append(bytes[offset])
            offset += 1
            if buffer.count == 64 { flushBuffer() }
        }
        let whole = (bytes.count - offset) / 64
        if whole > 0 {
            compress(UnsafeRawBufferPointer(rebasing: bytes[offset ..< offset + whole * 64]))
            offset += whole * 64
        }
        if offset < bytes.count { buffer.append(contentsOf: bytes[offset...]) }
    }

    /// The 32-byte digest of everything fed so far (the hasher itself is left unchanged).
    public func finalize() -> [UInt8] {
        var copy = self
        let bitLength = copy.totalBytes &* 8
        var padding: [UInt8] = [0x80]
        let used = (copy.buffer.count + 1) % 64
        padding += [UInt8](repeating: 0, count: used <= 56 ? 56 - used : 120 - used)
        for shift in stride(from: 56, through: 0, by: -8) { padding.append(UInt8(truncatingIfNeeded: bitLength >> UInt64(shift))) }
        for byte in padding {
            copy.buffer.append(byte)
            if copy.buffer.count == 64 { copy.flushBuffer() }
        }
        var digest: [UInt8] = []
        digest.reserveCapacity(32)
        for word in copy.state {
            digest += [UInt8(word >> 24), UInt8(truncatingIfNeeded: word >> 16), UInt8(truncatingIfNeeded: word >> 8), UInt8(truncatingIfNeeded: word)]
        }
        return digest
    }

    /// The digest as 64 lowercase hex characters.
    public func finalizeHex() -> String {
        finalize().map { byte in
            let hex = String(byte, radix: 16)
            return byte < 16 ? "0" + hex : hex
        }.joined()
    }

    /// SHA-256 of `data` as lowercase hex.
    public static func hex(of data: Data) -> String {
        var hasher = SHA256()
        hasher.update(data)
        return hasher.finalizeHex()
    }

    private mutating func flushBuffer() {
        let block = buffer
        block.withUnsafeBytes { compress($0) }
        buffer.removeAll(keepingCapacity: true)
    }

    /// SHA-256 compression of whole 64-byte blocks into `state`.
    private mutating func compress(_ blocks: UnsafeRawBufferPointer) {
        guard let base = blocks.baseAddress, blocks.count >= 64 else { return }
        state.withUnsafeMutableBufferPointer { words in
            let bytes = base.assumingMemoryBound(to: UInt8.self)
            if portable {
                vk_sha256_blocks_portable(words.baseAddress!, bytes, blocks.count / 64)
            } else {
                vk_sha256_blocks(words.baseAddress!, bytes, blocks.count / 64)
            }
        }
    }

    /// Whether this CPU compresses with the SHA extensions.
    public static var usesHardwareInstructions: Bool { vk_sha256_hardware() != 0 }
}
