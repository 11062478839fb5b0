import Dispatch
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
    var bias: [Float]
    var inputs: Int
    var outputs: Int
    var activation: Activation

    init(_ convolution: EfficientNetLite0.Convolution) {
        let (outputs, inputs) = (convolution.weight.shape[0], convolution.weight.count / convolution.weight.shape[0])
        weight = transposed(convolution.weight.scalars, rows: outputs, columns: inputs)
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
                             activation: activation, threads: threads)
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

    /// HWC `input` (`height × width × channels`) → HWC output, rows split over `threads`.
    func apply(_ input: UnsafePointer<Float>, height: Int, width: Int, into output: UnsafeMutablePointer<Float>,
               threads: Int) -> (height: Int, width: Int) {
        let outHeight = outputSize(height, before: padding.top, after: padding.bottom)
        let outWidth = outputSize(width, before: padding.left, after: padding.right)
        let parts = max(1, min(threads, outHeight))
        let source = SendablePointer(input), target = SendableMutablePointer(output)
        weight.withUnsafeBufferPointer { w in
            bias.withUnsafeBufferPointer { b in
                let taps = SendablePointer(w.baseAddress!), biases = SendablePointer(b.baseAddress!)
                let rows: @Sendable (Int) -> Void = { part in
                    for y in outHeight * part / parts ..< outHeight * (part + 1) / parts {
                        self.row(y, source.pointer, height, width, taps.pointer, biases.pointer, target.pointer, outWidth)
                    }
                }
                if parts == 1 { rows(0) } else { DispatchQueue.concurrentPerform(iterations: parts, execute: rows) }
            }
        }
        return (outHeight, outWidth)
    }

    /// One output row: for each pixel, sum the in-bounds taps over whole 16-channel vectors.
    private func row(_ y: Int, _ input: UnsafePointer<Float>, _ height: Int, _ width: Int,
                     _ taps: UnsafePointer<Float>, _ bias: UnsafePointer<Float>,
                     _ output: UnsafeMutablePointer<Float>, _ outWidth: Int) {
        let channels = self.channels, kernel = self.kernel
        let vectorChannels = channels & ~15
        let top = y * stride - padding.top
        let kyRange = max(0, -top) ..< min(kernel, height - top)
        func single(_ x: Int) {
            let left = x * stride - padding.left
            let kxRange = max(0, -left) ..< min(kernel, width - left)
            let out = output + (y * outWidth + x) * channels
            var c = 0
            while c < vectorChannels {
                var sum = UnsafeRawPointer(bias + c).loadUnaligned(as: SIMD16<Float>.self)
                for ky in kyRange {
                    let inputRow = input + ((top + ky) * width + left) * channels + c
                    let tapRow = taps + ky * kernel * channels + c
                    for kx in kxRange {
                        let value = UnsafeRawPointer(inputRow + kx * channels).loadUnaligned(as: SIMD16<Float>.self)
                        let tap = UnsafeRawPointer(tapRow + kx * channels).loadUnaligned(as: SIMD16<Float>.self)
                        sum += value * tap // not addProduct: without -mfma it becomes a libm fmaf call per lane
                    }
                }
                UnsafeMutableRawPointer(out + c).storeBytes(of: sum, as: SIMD16<Float>.self)
                c += 16
            }
            while c < channels { // channel counts not divisible by 16 (none in Lite0)
                var sum = bias[c]
                for ky in kyRange {
                    for kx in kxRange {
                        sum += input[((top + ky) * width + left + kx) * channels + c] * taps[(ky * kernel + kx) * channels + c]
                    }
                }
                out[c] = sum
                c += 1
            }
        }
        // Interior runs of 4 output pixels share each tap load (1.25 loads per multiply-add
        // instead of 2); 8-channel vectors keep 4 accumulators + operands in the 16 SSE registers.
        let step = stride * channels
        var x = 0
        while x < outWidth {
            let left = x * stride - padding.left
            guard x + 4 <= outWidth, left >= 0, left + 3 * stride + kernel <= width else {
                single(x)
                x += 1
                continue
            }
            let out = output + (y * outWidth + x) * channels
            var c = 0
            while c + 8 <= channels {
                var a0 = UnsafeRawPointer(bias + c).loadUnaligned(as: SIMD8<Float>.self)
                var (a1, a2, a3) = (a0, a0, a0)
                for ky in kyRange {
                    let inputRow = input + ((top + ky) * width + left) * channels + c
                    let tapRow = taps + ky * kernel * channels + c
                    for kx in 0..<kernel {
                        let tap = UnsafeRawPointer(tapRow + kx * channels).loadUnaligned(as: SIMD8<Float>.self)
                        let p = UnsafeRawPointer(inputRow + kx * channels)
                        a0 += p.loadUnaligned(as: SIMD8<Float>.self) * tap
                        a1 += p.loadUnaligned(fromByteOffset: 4 * step, as: SIMD8<Float>.self) * tap
                        a2 += p.loadUnaligned(fromByteOffset: 8 * step, as: SIMD8<Float>.self) * tap
                        a3 += p.loadUnaligned(fromByteOffset: 12 * step, as: SIMD8<Float>.self) * tap
                    }
                }
                let target = UnsafeMutableRawPointer(out + c)
                target.storeBytes(of: a0, as: SIMD8<Float>.self)
                target.storeBytes(of: a1, toByteOffset: 4 * channels, as: SIMD8<Float>.self)
                target.storeBytes(of: a2, toByteOffset: 8 * channels, as: SIMD8<Float>.self)
                target.storeBytes(of: a3, toByteOffset: 12 * channels, as: SIMD8<Float>.self)
                c += 8
            }
            for pixel in 0..<4 where c < channels { // channel counts not divisible by 8 (none in Lite0)
                for channel in c..<channels {
                    var sum = bias[channel]
                    for ky in kyRange {
                        for kx in 0..<kernel {
                            sum += input[((top + ky) * width + left + pixel * stride + kx) * channels + channel]
                                * taps[(ky * kernel + kx) * channels + channel]
                        }
                    }
                    out[pixel * channels + channel] = sum
                }
            }
            x += 4
        }
        // ReLU6 as a plain loop, which LLVM vectorizes; SIMD16's pointwiseMin/Max run lane by lane.
        let rowStart = output + y * outWidth * channels
        for i in 0 ..< outWidth * channels { rowStart[i] = min(max(rowStart[i], 0), 6) }
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
    func apply(_ image: UnsafePointer<Float>, height: Int, width: Int, columns: UnsafeMutablePointer<Float>,
               into output: UnsafeMutablePointer<Float>, threads: Int) -> (height: Int, width: Int) {
        let outHeight = (height + padding.top + padding.bottom - kernel) / stride + 1
        let outWidth = (width + padding.left + padding.right - kernel) / stride + 1
        let depth = pointwise.inputs, channels = depth / (kernel * kernel)
        for oy in 0..<outHeight {
            for ox in 0..<outWidth {
                let column = columns + (oy * outWidth + ox) * depth
                for c in 0..<channels {
                    for ky in 0..<kernel {
                        let y = oy * stride + ky - padding.top
                        for kx in 0..<kernel {
                            let x = ox * stride + kx - padding.left
                            let inside = y >= 0 && y < height && x >= 0 && x < width
                            column[(c * kernel + ky) * kernel + kx] = inside ? image[(c * height + y) * width + x] : 0
                        }
                    }
                }
            }
        }
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

/// Raw pointers handed to concurrent workers that write disjoint rows (see DepthwiseLayer.apply).
struct SendablePointer: @unchecked Sendable {
    let pointer: UnsafePointer<Float>
    init(_ pointer: UnsafePointer<Float>) { self.pointer = pointer }
}

/// Mutable counterpart of ``SendablePointer``.
struct SendableMutablePointer: @unchecked Sendable {
    let pointer: UnsafeMutablePointer<Float>
    init(_ pointer: UnsafeMutablePointer<Float>) { self.pointer = pointer }
}
