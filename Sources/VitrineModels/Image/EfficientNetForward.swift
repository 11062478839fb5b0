import VitrineTensor

// The forward pass runs channels-last (HWC: one row of `channels` floats per pixel).
//
// Measured with perf on the first, channel-first version (VitrineTensor's conv2d/depthwiseConv2d,
// 1 thread): 57% of the time was the depthwise conv, whose per-channel plane setup and masked
// tails dominate on the 14×14 and 7×7 planes with 480–1152 channels. Channels-last turns every
// 1×1 conv into one GEMM `[pixels, in] · [in, out]` (bias and ReLU6 fused, residual fused with
// beta = 1) and the depthwise conv into a loop over whole channel vectors, all multiples of 16.

extension PointwiseConvolution {
    /// A folded 1×1 conv (`[out, in, 1, 1]`) as a channels-last GEMM with the weight stored `[in, out]`.
    init(_ convolution: EfficientNetLite0.Convolution, precision: WeightPrecision = .fp32) {
        let (outputs, inputs) = (convolution.weight.shape[0], convolution.weight.count / convolution.weight.shape[0])
        self.init(weight: transposed(convolution.weight.scalars, rows: outputs, columns: inputs),
                  bias: convolution.bias.scalars, inputs: inputs, outputs: outputs, activation: convolution.activation,
                  precision: precision)
    }
}

extension DepthwiseConvolution {
    /// A folded depthwise conv (`[channels, 1, k, k]`) with its taps stored `[k·k, channels]`.
    init(_ convolution: EfficientNetLite0.Convolution) {
        let channels = convolution.weight.shape[0], kernel = convolution.weight.shape[3]
        self.init(taps: transposed(convolution.weight.scalars, rows: channels, columns: kernel * kernel),
                  bias: convolution.bias.scalars, channels: channels, kernel: kernel, stride: convolution.stride,
                  padding: convolution.padding, activation: convolution.activation)
    }
}

/// The stem: im2col to `[pixels, 3·k·k]` (PyTorch's `(c, ky, kx)` order) and one GEMM.
struct StemLayer: Sendable {
    var pointwise: PointwiseConvolution
    var kernel: Int
    var stride: Int
    var padding: Padding

    init(_ convolution: EfficientNetLite0.Convolution) {
        pointwise = PointwiseConvolution(convolution)
        kernel = convolution.weight.shape[3]
        stride = convolution.stride
        padding = convolution.padding
    }

    /// CHW `[3, height, width]` image → HWC output; `columns` holds `outH·outW·3·k·k` floats.
    /// im2col in the C kernels, one row per output pixel, then one GEMM (rows of 27 contiguous
    /// floats pack with the vector path; the transposed layout before took a scalar packing loop).
    func apply(_ image: UnsafePointer<Float>, height: Int, width: Int, columns: UnsafeMutablePointer<Float>,
               into output: UnsafeMutablePointer<Float>, threads: Int) -> (height: Int, width: Int) {
        let channels = pointwise.inputs / (kernel * kernel)
        let (outHeight, outWidth) = im2colRows(image, channels: channels, height: height, width: width, kernel: kernel,
                                               stride: stride, padding: padding, into: columns)
        pointwise.apply(columns, pixels: outHeight * outWidth, into: output, threads: threads)
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
