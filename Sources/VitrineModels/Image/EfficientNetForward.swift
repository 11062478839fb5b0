import VitrineTensor

// The forward pass runs channels-last (HWC: one row of `channels` floats per pixel).
//
// Measured with perf on the first, channel-first version (VitrineTensor's conv2d/depthwiseConv2d,
// 1 thread): 57% of the time was the depthwise conv, whose per-channel plane setup and masked
// tails dominate on the 14×14 and 7×7 planes with 480–1152 channels. Channels-last turns every
// 1×1 conv into one GEMM `[pixels, in] · [in, out]` (bias and ReLU6 fused, residual fused with
// beta = 1) and the depthwise conv into a loop over whole channel vectors, all multiples of 16.

/// A 1×1 convolution stored for `[pixels, in] · weight` with `weight` `[in, out]`.
struct PointwiseLayer: Sendable {
    var weight: [Float]
    /// `weight` packed once into the GEMM's B panels (re-packing per call cost 7.6 % of indexing).
    var packed: PackedPanels
    var bias: [Float]
    var inputs: Int
    var outputs: Int
    var activation: Activation

    init(_ convolution: EfficientNetLite0.Convolution) {
        let (outputs, inputs) = (convolution.weight.shape[0], convolution.weight.count / convolution.weight.shape[0])
        weight = transposed(convolution.weight.scalars, rows: outputs, columns: inputs)
        packed = PackedPanels(weight, k: inputs, n: outputs)
        bias = convolution.bias.scalars
        self.inputs = inputs
        self.outputs = outputs
        activation = convolution.activation
    }

    /// `output[p, :] = act(input[p, :] · weight + bias (+ output[p, :] when accumulating))`.
    func apply(_ input: UnsafePointer<Float>, pixels: Int, into output: UnsafeMutablePointer<Float>,
               accumulate: Bool = false, threads: Int) {
        weight.withUnsafeBufferPointer { w in
            bias.withUnsafeBufferPointer { b in
                Kernels.gemm(m: pixels, n: outputs, k: inputs, a: input, lda: inputs, b: w.baseAddress!, ldb: outputs,
                             beta: accumulate ? 1 : 0, c: output, ldc: outputs, columnBias: b.baseAddress!,
                             activation: activation, packedB: packed, threads: threads)
            }
        }
    }
}

/// A depthwise k×k convolution with taps stored `[k·k, channels]`, bias and ReLU6 fused
/// (every depthwise conv of EfficientNet-Lite is followed by ReLU6).
struct DepthwiseLayer: Sendable {
    var weight: [Float]
    var bias: [Float]
    var channels: Int
    var kernel: Int
    var stride: Int
    var padding: Padding

    init(_ convolution: EfficientNetLite0.Convolution) {
        precondition(convolution.activation == .relu6, "EfficientNet-Lite depthwise convs end in ReLU6")
        channels = convolution.weight.shape[0]
        kernel = convolution.weight.shape[3]
        weight = transposed(convolution.weight.scalars, rows: channels, columns: kernel * kernel)
        bias = convolution.bias.scalars
        stride = convolution.stride
        padding = convolution.padding
    }

    func outputSize(_ size: Int, before: Int, after: Int) -> Int { (size + before + after - kernel) / stride + 1 }

    /// HWC `input` (`height × width × channels`) → HWC output with ReLU6, rows split over `threads`
    /// (VitrineTensor's channels-last depthwise kernel).
    func apply(_ input: UnsafePointer<Float>, height: Int, width: Int, into output: UnsafeMutablePointer<Float>,
               threads: Int) -> (height: Int, width: Int) {
        weight.withUnsafeBufferPointer { w in
            bias.withUnsafeBufferPointer { b in
                depthwiseConv2dChannelsLast(input, height: height, width: width, channels: channels,
                                            taps: w.baseAddress!, bias: b.baseAddress!, kernel: kernel, stride: stride,
                                            padding: padding, activation: .relu6, into: output, threads: threads)
            }
        }
    }
}

/// The stem: im2col to `[pixels, 3·k·k]` (PyTorch's `(c, ky, kx)` order) and one GEMM.
struct StemLayer: Sendable {
    var pointwise: PointwiseLayer
    var kernel: Int
    var stride: Int
    var padding: Padding

    init(_ convolution: EfficientNetLite0.Convolution) {
        pointwise = PointwiseLayer(convolution)
        kernel = convolution.weight.shape[3]
        stride = convolution.stride
        padding = convolution.padding
    }

    /// CHW `[3, height, width]` image → HWC output; `columns` holds `outH·outW·3·k·k` floats.
    /// im2col in the C kernels (tap-major), then one GEMM reading the columns transposed.
    func apply(_ image: UnsafePointer<Float>, height: Int, width: Int, columns: UnsafeMutablePointer<Float>,
               into output: UnsafeMutablePointer<Float>, threads: Int) -> (height: Int, width: Int) {
        let depth = pointwise.inputs, channels = depth / (kernel * kernel)
        let (outHeight, outWidth) = im2col(image, channels: channels, height: height, width: width, kernel: kernel,
                                           stride: stride, padding: padding, into: columns)
        let pixels = outHeight * outWidth
        pointwise.weight.withUnsafeBufferPointer { w in
            pointwise.bias.withUnsafeBufferPointer { b in
                Kernels.gemm(transposeA: true, m: pixels, n: pointwise.outputs, k: depth, a: columns, lda: pixels,
                             b: w.baseAddress!, ldb: pointwise.outputs, c: output, ldc: pointwise.outputs,
                             columnBias: b.baseAddress!, activation: pointwise.activation, packedB: pointwise.packed,
                             threads: threads)
            }
        }
        return (outHeight, outWidth)
    }
}

/// `rows × columns` row-major → `columns × rows` row-major.
func transposed(_ values: [Float], rows: Int, columns: Int) -> [Float] {
    var result = [Float](repeating: 0, count: values.count)
    for r in 0..<rows {
        for c in 0..<columns { result[c * rows + r] = values[r * columns + c] }
    }
    return result
}
