import CVitrineKernels

/// Zero padding around an image, per side (asymmetric padding is what TF "SAME" needs at stride 2).
public struct Padding: Sendable, Equatable {
    /// Rows added above.
    public var top: Int
    /// Columns added on the left.
    public var left: Int
    /// Rows added below.
    public var bottom: Int
    /// Columns added on the right.
    public var right: Int

    /// Padding with each side given.
    public init(top: Int, left: Int, bottom: Int, right: Int) {
        precondition(top >= 0 && left >= 0 && bottom >= 0 && right >= 0, "padding must be non-negative")
        self.top = top
        self.left = left
        self.bottom = bottom
        self.right = right
    }

    /// The same padding on every side (PyTorch's `padding=p`).
    public static func symmetric(_ amount: Int) -> Padding {
        Padding(top: amount, left: amount, bottom: amount, right: amount)
    }

    /// No padding ("VALID").
    public static let zero = Padding(top: 0, left: 0, bottom: 0, right: 0)

    /// TensorFlow "SAME" padding: output is `ceil(input / stride)`; an odd total puts the extra
    /// row/column at the bottom/right.
    public static func same(height: Int, width: Int, kernel: Int, stride: Int) -> Padding {
        func split(_ size: Int) -> (Int, Int) {
            let output = (size + stride - 1) / stride
            let total = max((output - 1) * stride + kernel - size, 0)
            return (total / 2, total - total / 2)
        }
        let (top, bottom) = split(height), (left, right) = split(width)
        return Padding(top: top, left: left, bottom: bottom, right: right)
    }

    /// Output extent of a convolution over `size` input positions.
    func outputSize(_ size: Int, before: Int, after: Int, kernel: Int, stride: Int) -> Int {
        let padded = size + before + after
        return padded < kernel ? 0 : (padded - kernel) / stride + 1
    }
}

/// 2-D convolution of one `[channels, height, width]` image with `weight` `[out, in, kh, kw]`,
/// fused `bias` `[out]` and `activation`. Returns `[out, outHeight, outWidth]`.
///
/// 1×1 stride-1 unpadded convolutions are a single GEMM (`weight · input`); others go through
/// im2col and the same GEMM, with the bias fused as a per-row bias.
public func conv2d(
    _ input: Tensor, weight: Tensor, bias: Tensor?, stride: Int = 1, padding: Padding = .zero,
    activation: Activation = .none
) -> Tensor {
    precondition(input.rank == 3 && weight.rank == 4 && weight.shape[1] == input.shape[0],
                 "conv2d: input \(input.shape) does not match weight \(weight.shape)")
    precondition(stride >= 1, "conv2d: stride must be positive")
    let (channels, height, width) = (input.shape[0], input.shape[1], input.shape[2])
    let (outputs, kh, kw) = (weight.shape[0], weight.shape[2], weight.shape[3])
    precondition(bias.map { $0.count == outputs } ?? true, "conv2d: bias needs \(outputs) elements")
    let oh = padding.outputSize(height, before: padding.top, after: padding.bottom, kernel: kh, stride: stride)
    let ow = padding.outputSize(width, before: padding.left, after: padding.right, kernel: kw, stride: stride)
    let depth = channels * kh * kw, pixels = oh * ow
    var out = Tensor(zeros: [outputs, oh, ow])
    if pixels == 0 || outputs == 0 { return out }

    func run(_ columns: UnsafePointer<Float>) {
        weight.withUnsafeBufferPointer { pw in
            withOptionalPointer(bias) { pb in
                out.withUnsafeMutableBufferPointer { po in
                    Kernels.gemm(m: outputs, n: pixels, k: depth, a: pw.baseAddress!, lda: max(1, depth),
                                 b: columns, ldb: pixels, c: po.baseAddress!, ldc: pixels,
                                 rowBias: pb, activation: activation)
                }
            }
        }
    }
    if kh == 1 && kw == 1 && stride == 1 && padding == .zero {
        input.withUnsafeBufferPointer { run($0.baseAddress!) }
    } else {
        var columns = [Float](repeating: 0, count: depth * pixels)
        input.withUnsafeBufferPointer { pi in
            columns.withUnsafeMutableBufferPointer { pc in
                vk_im2col(pi.baseAddress!, channels, height, width, kh, kw, stride,
                          padding.top, padding.left, oh, ow, pc.baseAddress!)
            }
        }
        columns.withUnsafeBufferPointer { run($0.baseAddress!) }
    }
    return out
}

/// Depthwise convolution (one `k×k` filter per channel, `k` ≤ 7) of a `[channels, height, width]`
/// image; `weight` is `[channels, 1, k, k]` or `[channels, k, k]`. Bias and activation are fused.
/// Returns `[channels, outHeight, outWidth]`.
public func depthwiseConv2d(
    _ input: Tensor, weight: Tensor, bias: Tensor?, stride: Int = 1, padding: Padding = .zero,
    activation: Activation = .none
) -> Tensor {
    let channels = input.shape.first ?? 0
    let k = weight.shape.last ?? 0
    precondition(input.rank == 3 && (weight.shape == [channels, 1, k, k] || weight.shape == [channels, k, k]),
                 "depthwiseConv2d: input \(input.shape) does not match weight \(weight.shape)")
    precondition(k >= 1 && k <= 7 && stride >= 1, "depthwiseConv2d: kernel \(k) (1...7) / stride \(stride)")
    precondition(bias.map { $0.count == channels } ?? true, "depthwiseConv2d: bias needs \(channels) elements")
    let (height, width) = (input.shape[1], input.shape[2])
    let oh = padding.outputSize(height, before: padding.top, after: padding.bottom, kernel: k, stride: stride)
    let ow = padding.outputSize(width, before: padding.left, after: padding.right, kernel: k, stride: stride)
    var out = Tensor(zeros: [channels, oh, ow])
    if oh == 0 || ow == 0 || channels == 0 { return out }
    let work = channels * oh * ow * k * k
    let parts = work < 1 << 16 ? 1 : min(Kernels.threadCount, channels)
    input.withUnsafeBufferPointer { pi in
        weight.withUnsafeBufferPointer { pw in
            withOptionalPointer(bias) { pb in
                out.withUnsafeMutableBufferPointer { po in
                    let source = pi.baseAddress!, filters = pw.baseAddress!, target = po.baseAddress!
                    Kernels.parallel(parts) { part in
                        vk_depthwise_conv(source, height, width, filters, pb, k, stride,
                                          padding.top, padding.left, padding.bottom, padding.right,
                                          activation.code, target,
                                          channels * part / parts, channels * (part + 1) / parts)
                    }
                }
            }
        }
    }
    return out
}

/// im2col at the pointer level for a CHW image (`channels × height × width`), one row per output
/// pixel: writes `rows[(oy·outWidth + ox) · C·k·k + (c·k + ky)·k + kx]`, zero outside the image, and
/// returns the output size. A plain GEMM of these rows with `[C·k·k, outputs]` weights is the
/// convolution with its output channels-last (PyTorch's `(c, ky, kx)` weight order).
@discardableResult
public func im2colRows(
    _ input: UnsafePointer<Float>, channels: Int, height: Int, width: Int, kernel: Int, stride: Int = 1,
    padding: Padding = .zero, into rows: UnsafeMutablePointer<Float>
) -> (height: Int, width: Int) {
    precondition(channels >= 1 && kernel >= 1 && stride >= 1, "im2colRows: channels \(channels), kernel \(kernel), stride \(stride)")
    let oh = padding.outputSize(height, before: padding.top, after: padding.bottom, kernel: kernel, stride: stride)
    let ow = padding.outputSize(width, before: padding.left, after: padding.right, kernel: kernel, stride: stride)
    guard oh > 0, ow > 0 else { return (oh, ow) }
    vk_im2col_rows(input, channels, height, width, kernel, stride, padding.top, padding.left, oh, ow, rows)
    return (oh, ow)
}

/// Depthwise convolution of a channels-last (`height × width × channels`) image at the pointer level,
/// for models that keep activations in their own buffers. `taps` is `k × k × channels` (tap-major,
/// channel fastest), `bias` has `channels` values; zero padding, bias and activation are fused.
/// Writes `outHeight × outWidth × channels` floats to `output` and returns the output size.
/// Output rows are split over `threads` (default ``Kernels/threadCount``); small layers run on one.
@discardableResult
public func depthwiseConv2dChannelsLast(
    _ input: UnsafePointer<Float>, height: Int, width: Int, channels: Int,
    taps: UnsafePointer<Float>, bias: UnsafePointer<Float>, kernel: Int, stride: Int = 1,
    padding: Padding = .zero, activation: Activation = .none,
    into output: UnsafeMutablePointer<Float>, threads: Int? = nil
) -> (height: Int, width: Int) {
    precondition(kernel >= 1 && kernel <= 16 && stride >= 1 && channels >= 1 && height >= 0 && width >= 0,
                 "depthwiseConv2dChannelsLast: kernel \(kernel), stride \(stride), channels \(channels)")
    let oh = padding.outputSize(height, before: padding.top, after: padding.bottom, kernel: kernel, stride: stride)
    let ow = padding.outputSize(width, before: padding.left, after: padding.right, kernel: kernel, stride: stride)
    guard oh > 0, ow > 0 else { return (oh, ow) }
    let work = oh * ow * channels * kernel * kernel
    let parts = work < 1 << 16 ? 1 : max(1, min(threads ?? Kernels.threadCount, oh))
    Kernels.parallel(parts) { part in
        vk_depthwise_conv_hwc(input, height, width, channels, taps, bias, kernel, stride,
                              padding.top, padding.left, padding.bottom, padding.right, activation.code,
                              output, oh * part / parts, oh * (part + 1) / parts)
    }
    return (oh, ow)
}

/// Folds an inference batch norm into the convolution before it:
/// `w' = w·γ/√(σ²+ε)` per output channel and `b' = (b − μ)·γ/√(σ²+ε) + β`.
///
/// `weight` has the output channel first (any conv or depthwise layout); `bias` may be nil.
public func foldBatchNorm(
    weight: Tensor, bias: Tensor?, gamma: Tensor, beta: Tensor, mean: Tensor, variance: Tensor,
    epsilon: Float
) -> (weight: Tensor, bias: Tensor) {
    let outputs = weight.shape.first ?? 0
    precondition([gamma.count, beta.count, mean.count, variance.count].allSatisfy { $0 == outputs }
                 && (bias.map { $0.count == outputs } ?? true),
                 "foldBatchNorm: batch-norm parameters need \(outputs) elements for weight \(weight.shape)")
    let perOutput = outputs == 0 ? 0 : weight.count / outputs
    var folded = weight.scalars
    var foldedBias = [Float](repeating: 0, count: outputs)
    for o in 0..<outputs {
        let factor = gamma.scalars[o] / (variance.scalars[o] + epsilon).squareRoot()
        for i in o * perOutput ..< (o + 1) * perOutput { folded[i] *= factor }
        foldedBias[o] = ((bias?.scalars[o] ?? 0) - mean.scalars[o]) * factor + beta.scalars[o]
    }
    return (Tensor(shape: weight.shape, scalars: folded), Tensor(shape: [outputs], scalars: foldedBias))
}
