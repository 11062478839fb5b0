// VitrineTensor: dense Float tensors and the CPU kernels the models run on.
import Foundation

/// A dense, row-major `Float` tensor: a shape and one contiguous array of scalars.
///
/// VitrineTensor is deliberately small. Values are `Tensor`s; operations are free functions that
/// read like the math and return new tensors, with the hot loops in C (`CVitrineKernels`, AVX-512 /
/// AVX2 / portable variants chosen at run time, see ``Kernels``).
///
/// Layouts: matrices are `[rows, columns]`; images are single `[channels, height, width]` (NCHW
/// without the batch; loop over a batch above); linear weights are PyTorch's `[out, in]`; conv
/// weights are `[out, in, kh, kw]`; depthwise weights `[channels, 1, k, k]`.
///
/// - Linear algebra (`Linear.swift`): ``matmul(_:_:transposeA:transposeB:alpha:rowBias:columnBias:activation:)``,
///   ``linear(_:weight:bias:activation:)``, pointer-level ``Kernels/gemm(transposeA:transposeB:m:n:k:alpha:a:lda:b:ldb:beta:c:ldc:rowBias:columnBias:activation:threads:)``.
/// - Convolution (`Conv2d.swift`): ``conv2d(_:weight:bias:stride:padding:activation:)``,
///   ``depthwiseConv2d(_:weight:bias:stride:padding:activation:)``, ``Padding/same(height:width:kernel:stride:)``,
///   ``foldBatchNorm(weight:bias:gamma:beta:mean:variance:epsilon:)``.
/// - Elementwise and norms (`Elementwise.swift`): ``relu(_:)``, ``relu6(_:)``, ``gelu(_:)``, ``add(_:_:)``,
///   ``layerNorm(_:gamma:beta:epsilon:)``, ``softmax(_:scale:mask:)``, ``globalAveragePool(_:)``, ``l2Normalized(_:)``.
/// - Attention (`Attention.swift`): ``attention(query:key:value:heads:keyMask:scale:)``.
/// - Retrieval (`Scoring.swift`): ``Kernels/dotScores(items:dimension:query:into:)``, ``topK(_:k:)``.
/// - Weights (`Safetensors/`): ``SafetensorsFile`` and its checked loader
///   ``SafetensorsFile/loadChecked(expected:ignoring:allowedDTypes:)``.
///
/// Shape mismatches between tensors handed to these functions are programming errors and stop
/// the program with a precondition message; data from files is validated by the loaders instead.
public struct Tensor: Sendable, Equatable {
    /// Extent of each dimension, outermost first.
    public let shape: [Int]
    /// The elements in row-major order; `scalars.count == shape.reduce(1, *)`.
    public private(set) var scalars: [Float]

    /// A tensor with the given shape and elements (row-major).
    public init(shape: [Int], scalars: [Float]) {
        precondition(shape.allSatisfy { $0 >= 0 }, "Tensor shape \(shape) has a negative dimension")
        precondition(shape.reduce(1, *) == scalars.count,
                     "Tensor shape \(shape) needs \(shape.reduce(1, *)) scalars, got \(scalars.count)")
        self.shape = shape
        self.scalars = scalars
    }

    /// A tensor of zeros.
    public init(zeros shape: [Int]) {
        self.init(shape: shape, scalars: [Float](repeating: 0, count: shape.reduce(1, *)))
    }

    /// A tensor with every element equal to `value`.
    public init(shape: [Int], repeating value: Float) {
        self.init(shape: shape, scalars: [Float](repeating: value, count: shape.reduce(1, *)))
    }

    /// Number of elements.
    public var count: Int { scalars.count }

    /// Number of dimensions.
    public var rank: Int { shape.count }

    /// The same elements viewed with another shape of equal element count.
    public func reshaped(_ newShape: [Int]) -> Tensor {
        Tensor(shape: newShape, scalars: scalars)
    }

    /// The element at a full index (one coordinate per dimension); for tests and small lookups.
    public subscript(_ index: Int...) -> Float {
        scalars[flatIndex(index)]
    }

    /// Row `i` of a tensor viewed as `[shape[0], rest]`.
    public func row(_ i: Int) -> ArraySlice<Float> {
        precondition(rank >= 1 && i >= 0 && i < shape[0], "row \(i) out of range for shape \(shape)")
        let width = count / Swift.max(shape[0], 1)
        return scalars[i * width ..< (i + 1) * width]
    }

    /// Calls `body` with the elements' contiguous storage.
    public func withUnsafeBufferPointer<R>(_ body: (UnsafeBufferPointer<Float>) throws -> R) rethrows -> R {
        try scalars.withUnsafeBufferPointer(body)
    }

    /// Calls `body` with mutable access to the elements' contiguous storage (the shape is fixed).
    public mutating func withUnsafeMutableBufferPointer<R>(
        _ body: (inout UnsafeMutableBufferPointer<Float>) throws -> R
    ) rethrows -> R {
        try scalars.withUnsafeMutableBufferPointer(body)
    }

    private func flatIndex(_ index: [Int]) -> Int {
        precondition(index.count == shape.count, "index \(index) does not match shape \(shape)")
        var flat = 0
        for (i, extent) in zip(index, shape) {
            precondition(i >= 0 && i < extent, "index \(index) out of range for shape \(shape)")
            flat = flat * extent + i
        }
        return flat
    }
}
