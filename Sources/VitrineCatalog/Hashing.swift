import VitrineTensor

/// SHA-256 for the front ends, which reach `VitrineTensor` only through the catalog (the server hashes
/// API keys with it, so keys are compared as fixed-length digests).
public enum Hashing {
    /// The 32-byte SHA-256 digest of `bytes`.
    public static func sha256(_ bytes: [UInt8]) -> [UInt8] {
        var hasher = SHA256()
        hasher.update(bytes)
        return hasher.finalize()
    }
}
