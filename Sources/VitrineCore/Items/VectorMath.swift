import VitrineTensor

// Small vector helpers shared by the module. Dot products run on VitrineTensor's vectorized
// kernel; scoring a whole catalog (GEMV/GEMM) lives in Index/Scoring.swift.

enum VectorMath {
    /// Dot product of two equal-length vectors.
    @inline(__always)
    static func dot(_ a: [Float], _ b: [Float]) -> Float {
        precondition(a.count == b.count, "dot: length mismatch \(a.count) vs \(b.count)")
        return a.withUnsafeBufferPointer { pa in
            b.withUnsafeBufferPointer { pb in
                guard let x = pa.baseAddress, let y = pb.baseAddress else { return 0 }
                return Kernels.dot(count: pa.count, x, y)
            }
        }
    }

    /// Dot product of `a` with the slice `b[offset ..< offset + a.count]`.
    static func dot(_ a: [Float], _ b: [Float], offset: Int) -> Float {
        precondition(offset >= 0 && offset + a.count <= b.count, "dot: slice \(offset)..<\(offset + a.count) outside \(b.count)")
        return a.withUnsafeBufferPointer { pa in
            b.withUnsafeBufferPointer { pb in
                guard let x = pa.baseAddress, let y = pb.baseAddress else { return 0 }
                return Kernels.dot(count: pa.count, x, y + offset)
            }
        }
    }

    /// Euclidean norm.
    static func norm(_ a: [Float]) -> Float { dot(a, a).squareRoot() }

    /// `a += scale · b`.
    static func addScaled(_ a: inout [Float], _ b: [Float], _ scale: Float) {
        precondition(a.count == b.count, "addScaled: length mismatch")
        for i in 0..<a.count { a[i] += scale * b[i] }
    }

    /// Checks length and finiteness of a caller-supplied vector.
    static func validate(_ v: [Float], dimension: Int, field: String) throws {
        guard v.count == dimension else {
            throw VitrineCoreError.dimensionMismatch(field: field, expected: dimension, actual: v.count)
        }
        guard v.allSatisfy({ $0.isFinite }) else { throw VitrineCoreError.nonFiniteVector(field: field) }
    }

    /// Validates then normalizes a caller-supplied vector.
    static func checkedUnit(_ v: [Float], dimension: Int, field: String) throws -> [Float] {
        try validate(v, dimension: dimension, field: field)
        guard let unit = l2Normalized(v) else { throw VitrineCoreError.zeroVector(field: field) }
        return unit
    }
}
