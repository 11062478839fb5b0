import CVitrineKernels

/// Multi-head scaled dot-product attention over one sequence:
/// per head h, `softmax(scale·Q_h·K_hᵀ + keyMask)·V_h`, heads concatenated.
///
/// `query` is `[queries, heads·d]`, `key` and `value` are `[keys, heads·d]` (the layout a
/// linear projection produces; heads are column slices, read through strides, never copied).
/// `keyMask` is additive with `keys` elements (0 keeps a key, a large negative value drops it).
/// `scale` defaults to `1/√d`. Returns `[queries, heads·d]`. Heads run in parallel.
public func attention(
    query: Tensor, key: Tensor, value: Tensor, heads: Int, keyMask: Tensor? = nil, scale: Float? = nil
) -> Tensor {
    precondition(query.rank == 2 && key.rank == 2 && value.rank == 2 && heads >= 1,
                 "attention needs 2-D query/key/value and heads ≥ 1")
    let width = query.shape[1], queries = query.shape[0], keys = key.shape[0]
    precondition(width % heads == 0 && key.shape[1] == width && value.shape == key.shape,
                 "attention: query \(query.shape), key \(key.shape), value \(value.shape) with \(heads) heads")
    precondition(keyMask.map { $0.count == keys } ?? true, "attention: keyMask needs \(keys) elements")
    let d = width / heads
    let factor = scale ?? 1 / Float(d).squareRoot()
    var out = Tensor(zeros: [queries, width])
    if queries == 0 || width == 0 { return out }
    if keys == 0 { return out }
    let parts = queries * keys * width < 1 << 15 ? 1 : min(Kernels.threadCount, heads)
    query.withUnsafeBufferPointer { pq in
        key.withUnsafeBufferPointer { pk in
            value.withUnsafeBufferPointer { pv in
                withOptionalPointer(keyMask) { mask in
                    out.withUnsafeMutableBufferPointer { po in
                        let q = pq.baseAddress!, k = pk.baseAddress!, v = pv.baseAddress!, o = po.baseAddress!
                        Kernels.parallel(parts) { part in
                            var scores = [Float](repeating: 0, count: queries * keys)
                            scores.withUnsafeMutableBufferPointer { ps in
                                let s = ps.baseAddress!
                                for head in heads * part / parts ..< heads * (part + 1) / parts {
                                    Kernels.gemm(transposeB: true, m: queries, n: keys, k: d,
                                                 a: q + head * d, lda: width, b: k + head * d, ldb: width,
                                                 c: s, ldc: keys, threads: 1)
                                    for row in 0..<queries { vk_softmax_row(s + row * keys, keys, factor, mask) }
                                    Kernels.gemm(m: queries, n: d, k: keys, a: s, lda: keys,
                                                 b: v + head * d, ldb: width, c: o + head * d, ldc: width, threads: 1)
                                }
                            }
                        }
                    }
                }
            }
        }
    }
    return out
}
