import CVitrineKernels

/// Applies `activation` to every element.
public func activate(_ x: Tensor, _ activation: Activation) -> Tensor {
    var out = x
    out.withUnsafeMutableBufferPointer { p in
        if let base = p.baseAddress { vk_activate(base, p.count, 0, activation.code) }
    }
    return out
}

/// max(x, 0) elementwise.
public func relu(_ x: Tensor) -> Tensor { activate(x, .relu) }

/// min(max(x, 0), 6) elementwise.
public func relu6(_ x: Tensor) -> Tensor { activate(x, .relu6) }

/// Exact (erf) GELU elementwise; relative error ≲ 1e-6 for |x| ≤ 5.
public func gelu(_ x: Tensor) -> Tensor { activate(x, .gelu) }

/// Elementwise sum of two tensors of the same shape (residual connections).
public func add(_ x: Tensor, _ y: Tensor) -> Tensor {
    precondition(x.shape == y.shape, "add: shapes \(x.shape) and \(y.shape) differ")
    var out = Tensor(zeros: x.shape)
    x.withUnsafeBufferPointer { px in
        y.withUnsafeBufferPointer { py in
            out.withUnsafeMutableBufferPointer { po in
                if let base = po.baseAddress { Kernels.add(count: po.count, px.baseAddress!, py.baseAddress!, into: base) }
            }
        }
    }
    return out
}

extension Tensor {
    /// Elementwise sum; see ``add(_:_:)``.
    public static func + (lhs: Tensor, rhs: Tensor) -> Tensor { add(lhs, rhs) }
}

/// Applies `body(input row, output row, length)` to each row of the last dimension.
private func mapRows(_ x: Tensor, _ body: (UnsafePointer<Float>, UnsafeMutablePointer<Float>, Int) -> Void) -> Tensor {
    let width = x.shape.last ?? 0
    var out = Tensor(zeros: x.shape)
    if width == 0 || x.count == 0 { return out }
    x.withUnsafeBufferPointer { px in
        out.withUnsafeMutableBufferPointer { po in
            for row in 0 ..< x.count / width {
                body(px.baseAddress! + row * width, po.baseAddress! + row * width, width)
            }
        }
    }
    return out
}

/// Layer normalization over the last dimension: `(x − mean)/√(var + ε)·gamma + beta`.
///
/// `gamma` and `beta` have the last dimension's size, or are nil for no affine step.
public func layerNorm(_ x: Tensor, gamma: Tensor?, beta: Tensor?, epsilon: Float) -> Tensor {
    let width = x.shape.last ?? 0
    precondition((gamma.map { $0.count == width } ?? true) && (beta.map { $0.count == width } ?? true),
                 "layerNorm: gamma/beta need \(width) elements for input \(x.shape)")
    return withOptionalPointer(gamma) { g in
        withOptionalPointer(beta) { b in
            mapRows(x) { input, output, n in Kernels.layerNorm(count: n, input, into: output, gamma: g, beta: b, epsilon: epsilon) }
        }
    }
}

/// Row-wise softmax over the last dimension of `scale·x + mask`, numerically stable.
///
/// `mask` is additive (0 to keep, a large negative number or −∞ to drop) with either the last
/// dimension's size (shared by every row) or `x`'s full shape. A row with every entry at −∞
/// becomes all zeros.
public func softmax(_ x: Tensor, scale: Float = 1, mask: Tensor? = nil) -> Tensor {
    let width = x.shape.last ?? 0
    precondition(mask.map { $0.count == width || $0.shape == x.shape } ?? true,
                 "softmax: mask \(mask?.shape ?? []) fits neither a row nor \(x.shape)")
    let perRow = mask.map { $0.shape == x.shape && $0.count != width } ?? false
    var row = 0
    return withOptionalPointer(mask) { m in
        mapRows(x) { input, output, n in
            output.update(from: input, count: n)
            Kernels.softmax(count: n, output, scale: scale, mask: m.map { perRow ? $0 + row * n : $0 })
            row += 1
        }
    }
}

/// Mean over the spatial dimensions of a `[channels, height, width]` image; returns `[channels]`.
public func globalAveragePool(_ x: Tensor) -> Tensor {
    precondition(x.rank == 3, "globalAveragePool needs [channels, height, width], got \(x.shape)")
    let channels = x.shape[0], plane = x.shape[1] * x.shape[2]
    var means = [Float](repeating: 0, count: channels)
    if plane > 0 {
        x.withUnsafeBufferPointer { p in
            for c in 0..<channels { means[c] = vk_sum(p.baseAddress! + c * plane, plane) / Float(plane) }
        }
    }
    return Tensor(shape: [channels], scalars: means)
}

/// Each row of the last dimension scaled to unit Euclidean length by the rule of
/// ``l2Normalized(_:)-([Float])``; a row whose norm is zero or not finite is copied unchanged
/// (so all-zero rows stay zero).
public func l2Normalized(_ x: Tensor) -> Tensor {
    mapRows(x) { input, output, n in
        output.update(from: input, count: n)
        _ = l2NormalizeInPlace(output, count: n)
    }
}

/// The one L2 normalization of the package: `v / ‖v‖₂`, or nil when the norm is zero or not finite
/// (an all-zero vector has no direction; a NaN, an infinity or an overflowing sum of squares has no
/// usable one). Use this rather than a local copy, so a vector normalizes to the same bits wherever
/// that happens; a caller that must return some vector decides what a nil means (the encoders
/// return the vector unchanged, `l2Normalized(v) ?? v`).
public func l2Normalized(_ v: [Float]) -> [Float]? {
    var unit = v
    let scaled = unit.withUnsafeMutableBufferPointer { p in p.baseAddress.map { l2NormalizeInPlace($0, count: p.count) } ?? false }
    return scaled ? unit : nil
}

/// Scales `count` floats in place by `1/‖x‖₂` (norm from the vectorized dot kernel); returns false
/// and leaves them unchanged when the norm is zero or not finite. Both `l2Normalized` use this.
private func l2NormalizeInPlace(_ x: UnsafeMutablePointer<Float>, count: Int) -> Bool {
    let norm = vk_dot(count, x, x).squareRoot()
    guard norm > 0, norm.isFinite else { return false }
    vk_scale(x, count, 1 / norm)
    return true
}
