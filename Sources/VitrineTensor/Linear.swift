/// Matrix product of two 2-D tensors with fused epilogue:
/// `activation(alpha·op(a)·op(b) + rowBias[i] + columnBias[j])`.
///
/// `op(a)` is `[m, k]` (`a` is `[k, m]` when `transposeA`), `op(b)` is `[k, n]` (`b` is `[n, k]`
/// when `transposeB`). `rowBias` has `m` elements, `columnBias` `n`. Returns `[m, n]`.
public func matmul(
    _ a: Tensor, _ b: Tensor,
    transposeA: Bool = false, transposeB: Bool = false,
    alpha: Float = 1,
    rowBias: Tensor? = nil, columnBias: Tensor? = nil,
    activation: Activation = .none
) -> Tensor {
    precondition(a.rank == 2 && b.rank == 2, "matmul needs 2-D tensors, got \(a.shape) and \(b.shape)")
    let m = transposeA ? a.shape[1] : a.shape[0], k = transposeA ? a.shape[0] : a.shape[1]
    let kb = transposeB ? b.shape[1] : b.shape[0], n = transposeB ? b.shape[0] : b.shape[1]
    precondition(k == kb, "matmul inner sizes differ: \(a.shape)\(transposeA ? "ᵀ" : "") · \(b.shape)\(transposeB ? "ᵀ" : "")")
    precondition(rowBias.map { $0.count == m } ?? true, "matmul rowBias needs \(m) elements")
    precondition(columnBias.map { $0.count == n } ?? true, "matmul columnBias needs \(n) elements")
    var out = Tensor(zeros: [m, n])
    a.withUnsafeBufferPointer { pa in
        b.withUnsafeBufferPointer { pb in
            withOptionalPointer(rowBias) { rb in
                withOptionalPointer(columnBias) { cb in
                    out.withUnsafeMutableBufferPointer { pc in
                        Kernels.gemm(
                            transposeA: transposeA, transposeB: transposeB, m: m, n: n, k: k, alpha: alpha,
                            a: pa.baseAddress!, lda: max(1, a.shape[1]),
                            b: pb.baseAddress!, ldb: max(1, b.shape[1]),
                            c: pc.baseAddress!, ldc: max(1, n),
                            rowBias: rb, columnBias: cb, activation: activation)
                    }
                }
            }
        }
    }
    return out
}

/// A fully connected layer in PyTorch layout: `activation(x·weightᵀ + bias)`.
///
/// `x` is `[..., in]` (all leading dimensions are rows), `weight` is `[out, in]`, `bias` `[out]`.
/// Returns `[..., out]`.
public func linear(_ x: Tensor, weight: Tensor, bias: Tensor?, activation: Activation = .none) -> Tensor {
    precondition(x.rank >= 1 && weight.rank == 2 && x.shape.last == weight.shape[1],
                 "linear: input \(x.shape) does not match weight \(weight.shape)")
    let inputs = weight.shape[1], outputs = weight.shape[0]
    let rows = inputs == 0 ? x.shape.dropLast().reduce(1, *) : x.count / inputs
    let result = matmul(x.reshaped([rows, inputs]), weight, transposeB: true, columnBias: bias, activation: activation)
    return result.reshaped(Array(x.shape.dropLast()) + [outputs])
}

/// Calls `body` with the tensor's storage, or with nil when there is no tensor.
func withOptionalPointer<R>(_ tensor: Tensor?, _ body: (UnsafePointer<Float>?) -> R) -> R {
    guard let tensor else { return body(nil) }
    return tensor.withUnsafeBufferPointer { body($0.baseAddress) }
}
