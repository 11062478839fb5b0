import CVitrineKernels

// Layers of channels-last (HWC) convolutional networks at the pointer level, for models that keep
// their activations in their own scratch buffers: one row of `channels` floats per pixel, so a 1×1
// convolution is one GEMM `[pixels, in] · [in, out]` and a depthwise convolution runs over whole
// channel vectors.

/// A 1×1 convolution: its `[inputs, outputs]` weight matrix packed once into the GEMM's B panels
/// (fp32, or int8 per output channel), with its bias and activation fused into the GEMM's store.
public struct PointwiseConvolution: Sendable {
    /// The `[inputs, outputs]` weights, packed once (re-packing on every call cost 7.6 % of indexing
    /// time) and kept only packed: the raw copy beside them was 12 MiB of EfficientNet-Lite0's
    /// resident memory, read only when the GEMM cannot use the panels, and it unpacks them then.
    public let weights: LayerWeights
    /// One value per output channel.
    public let bias: [Float]
    /// Input channels.
    public let inputs: Int
    /// Output channels.
    public let outputs: Int
    /// Applied after the bias (and after the residual when accumulating).
    public let activation: Activation

    /// A 1×1 convolution from its `[inputs, outputs]` weight matrix and `outputs` biases, the weights in `precision`.
    public init(weight: [Float], bias: [Float], inputs: Int, outputs: Int, activation: Activation,
                precision: WeightPrecision = .fp32) {
        precondition(inputs >= 1 && outputs >= 1 && weight.count == inputs * outputs && bias.count == outputs,
                     "PointwiseConvolution: \(weight.count) weights and \(bias.count) biases for \(inputs) → \(outputs)")
        weights = LayerWeights(weight, k: inputs, n: outputs, precision: precision)
        self.bias = bias
        self.inputs = inputs
        self.outputs = outputs
        self.activation = activation
    }

    /// `output[p, :] = act(input[p, :] · weight + bias (+ output[p, :] when accumulating))` for `pixels` rows.
    public func apply(_ input: UnsafePointer<Float>, pixels: Int, into output: UnsafeMutablePointer<Float>,
                      accumulate: Bool = false, threads: Int) {
        bias.withUnsafeBufferPointer { b in
            Kernels.gemm(m: pixels, a: input, lda: inputs, weights: weights, beta: accumulate ? 1 : 0, c: output, ldc: outputs,
                         columnBias: b.baseAddress!, activation: activation, threads: threads)
        }
    }
}

/// A depthwise k×k convolution: taps stored `[k·k, channels]` (tap-major, channel fastest), bias and
/// activation fused, zero padding.
public struct DepthwiseConvolution: Sendable {
    /// `kernel·kernel × channels`.
    public let taps: [Float]
    /// One value per channel.
    public let bias: [Float]
    /// Channels (input = output).
    public let channels: Int
    /// Kernel side (1...16).
    public let kernel: Int
    /// Stride in both directions.
    public let stride: Int
    /// Zero padding per side.
    public let padding: Padding
    /// Applied after the bias.
    public let activation: Activation

    /// A depthwise convolution from taps in `[k·k, channels]` order.
    public init(taps: [Float], bias: [Float], channels: Int, kernel: Int, stride: Int, padding: Padding,
                activation: Activation) {
        precondition(channels >= 1 && kernel >= 1 && kernel <= 16 && stride >= 1
                     && taps.count == kernel * kernel * channels && bias.count == channels,
                     "DepthwiseConvolution: \(taps.count) taps, \(bias.count) biases for \(channels) channels, kernel \(kernel), stride \(stride)")
        self.taps = taps
        self.bias = bias
        self.channels = channels
        self.kernel = kernel
        self.stride = stride
        self.padding = padding
        self.activation = activation
    }

    /// Output size along one axis.
    public func outputSize(_ size: Int, before: Int, after: Int) -> Int { (size + before + after - kernel) / stride + 1 }

    /// HWC `input` → HWC output (`outHeight × outWidth × channels`), rows split over `threads`.
    @discardableResult
    public func apply(_ input: UnsafePointer<Float>, height: Int, width: Int, into output: UnsafeMutablePointer<Float>,
                      threads: Int) -> (height: Int, width: Int) {
        taps.withUnsafeBufferPointer { w in
            bias.withUnsafeBufferPointer { b in
                depthwiseConv2dChannelsLast(input, height: height, width: width, channels: channels,
                                            taps: w.baseAddress!, bias: b.baseAddress!, kernel: kernel, stride: stride,
                                            padding: padding, activation: activation, into: output, threads: threads)
            }
        }
    }
}

/// An inverted-residual ("MBConv") block: optional 1×1 expand, depthwise conv, 1×1 project, and the
/// residual when input and output shapes agree (stride 1, same channels).
public struct InvertedResidual: Sendable {
    /// Channels in → hidden; `nil` when the block does not expand (hidden = input channels).
    public let expand: PointwiseConvolution?
    /// Over the hidden channels.
    public let depthwise: DepthwiseConvolution
    /// Hidden → output channels.
    public let project: PointwiseConvolution
    /// Whether the input is added to the output.
    public let residual: Bool

    /// A block from its layers; the shapes must chain, and a residual needs stride 1 and equal channels.
    public init(expand: PointwiseConvolution?, depthwise: DepthwiseConvolution, project: PointwiseConvolution, residual: Bool) {
        let inputs = expand?.inputs ?? depthwise.channels
        precondition((expand?.outputs ?? depthwise.channels) == depthwise.channels && project.inputs == depthwise.channels,
                     "InvertedResidual: expand \(expand.map { "\($0.inputs)→\($0.outputs)" } ?? "none"), depthwise \(depthwise.channels), project \(project.inputs)→\(project.outputs)")
        precondition(!residual || (depthwise.stride == 1 && inputs == project.outputs),
                     "InvertedResidual: a residual needs stride 1 and \(inputs) = \(project.outputs) channels")
        self.expand = expand
        self.depthwise = depthwise
        self.project = project
        self.residual = residual
    }

    /// Input channels.
    public var inputs: Int { expand?.inputs ?? depthwise.channels }

    /// Output size for an input of `height × width`.
    public func outputSize(height: Int, width: Int) -> (height: Int, width: Int) {
        let p = depthwise.padding
        return (depthwise.outputSize(height, before: p.top, after: p.bottom),
                depthwise.outputSize(width, before: p.left, after: p.right))
    }

    /// The block on one HWC image, band by band on the calling thread (`vk_mbconv_hwc`): only a few
    /// rows of the expanded activation exist at a time, so it stays in cache. With `residual` the
    /// output is written over `input` (`output` must be `input`); otherwise `output` must not overlap it.
    @discardableResult
    public func applyFused(_ input: UnsafePointer<Float>, height: Int, width: Int,
                           into output: UnsafeMutablePointer<Float>) -> (height: Int, width: Int) {
        precondition(!residual || UnsafePointer(output) == input, "InvertedResidual.applyFused: a residual block runs in place")
        let size = outputSize(height: height, width: width)
        guard size.height > 0, size.width > 0 else { return size }
        let expandBias = expand?.bias ?? []
        expandBias.withUnsafeBufferPointer { eb in
            depthwise.taps.withUnsafeBufferPointer { taps in
                depthwise.bias.withUnsafeBufferPointer { db in
                    project.bias.withUnsafeBufferPointer { pb in
                        let p = depthwise.padding
                        // Weights only as panels (no *_weight): vk_mbconv_hwc's GEMMs unpack them where they must.
                        let (expandPanels, projectPanels) = (expand?.weights.fp32Panels, project.weights.fp32Panels)
                        withQuantizedWeights(expand?.weights.int8Panels) { expandQ in
                            withQuantizedWeights(project.weights.int8Panels) { projectQ in
                                var params = vk_mbconv_params(
                                    h: height, w: width, cin: inputs, hidden: depthwise.channels, cout: project.outputs,
                                    expand_weight: nil, expand_packed: expandPanels?.storage,
                                    expand_bias: expand == nil ? nil : eb.baseAddress, expand_act: expand?.activation.code ?? 0,
                                    taps: taps.baseAddress, depthwise_bias: db.baseAddress,
                                    kernel: depthwise.kernel, stride: depthwise.stride,
                                    pad_top: p.top, pad_left: p.left, pad_bottom: p.bottom, pad_right: p.right,
                                    depthwise_act: depthwise.activation.code,
                                    project_weight: nil, project_packed: projectPanels?.storage,
                                    project_bias: pb.baseAddress, project_act: project.activation.code,
                                    packed_nr: (projectPanels ?? expandPanels)?.width ?? 0, residual: residual ? 1 : 0,
                                    expand_q: expandQ, project_q: projectQ)
                                withExtendedLifetime((expand?.weights, project.weights)) {
                                    vk_mbconv_hwc(&params, input, output)
                                }
                            }
                        }
                    }
                }
            }
        }
        return size
    }

    /// The block layer by layer with each layer's kernels split over `threads`; `hidden` and `filtered`
    /// hold the expanded and depthwise activations. Same results as ``applyFused(_:height:width:into:)``.
    @discardableResult
    public func applyLayered(_ input: UnsafePointer<Float>, height: Int, width: Int, hidden: UnsafeMutablePointer<Float>,
                             filtered: UnsafeMutablePointer<Float>, into output: UnsafeMutablePointer<Float>,
                             threads: Int) -> (height: Int, width: Int) {
        precondition(!residual || UnsafePointer(output) == input, "InvertedResidual.applyLayered: a residual block runs in place")
        var source = input
        if let expand {
            expand.apply(input, pixels: height * width, into: hidden, threads: threads)
            source = UnsafePointer(hidden)
        }
        let size = depthwise.apply(source, height: height, width: width, into: filtered, threads: threads)
        // Residual via beta = 1 straight into the input: the depthwise conv has read it (or `hidden`) already.
        project.apply(filtered, pixels: size.height * size.width, into: output, accumulate: residual, threads: threads)
        return size
    }
}
