import Testing
import VitrineTensor

/// A random inverted-residual block and the `[in, out]` weights its 1×1 layers were packed from (the
/// layers keep only the panels; the reference needs the matrices).
struct RandomInvertedResidual {
    let block: InvertedResidual
    let expandWeight: [Float]?
    let projectWeight: [Float]
}

/// A random inverted-residual block: expand (unless `expands` is false), depthwise, project.
func randomInvertedResidual(_ random: inout SeededRandom, inputs: Int, hidden: Int, outputs: Int, kernel: Int,
                            stride: Int, padding: Padding, expands: Bool, residual: Bool) -> RandomInvertedResidual {
    let expandWeight = expands ? random.floats(inputs * hidden, scale: 0.5) : nil
    let expand = expandWeight.map {
        PointwiseConvolution(weight: $0, bias: random.floats(hidden, scale: 0.5), inputs: inputs, outputs: hidden, activation: .relu6)
    }
    let depthwise = DepthwiseConvolution(taps: random.floats(kernel * kernel * hidden, scale: 0.5), bias: random.floats(hidden),
                                         channels: hidden, kernel: kernel, stride: stride, padding: padding, activation: .relu6)
    let projectWeight = random.floats(hidden * outputs, scale: 0.5)
    let project = PointwiseConvolution(weight: projectWeight, bias: random.floats(outputs),
                                       inputs: hidden, outputs: outputs, activation: .none)
    return RandomInvertedResidual(block: InvertedResidual(expand: expand, depthwise: depthwise, project: project, residual: residual),
                                  expandWeight: expandWeight, projectWeight: projectWeight)
}

/// The block by definition, in Double, on an HWC image.
func referenceInvertedResidual(_ random: RandomInvertedResidual, _ input: [Float], height: Int, width: Int) -> [Double] {
    let block = random.block
    let hidden = block.depthwise.channels, inputs = block.inputs
    var expanded = [Double](repeating: 0, count: height * width * hidden)
    for p in 0..<height * width {
        for o in 0..<hidden {
            guard let expand = block.expand, let weight = random.expandWeight else {
                expanded[p * hidden + o] = Double(input[p * inputs + o])
                continue
            }
            var sum = Double(expand.bias[o])
            for i in 0..<inputs { sum += Double(input[p * inputs + i]) * Double(weight[i * hidden + o]) }
            expanded[p * hidden + o] = min(max(sum, 0), 6)
        }
    }
    let (oh, ow) = block.outputSize(height: height, width: width)
    let d = block.depthwise, k = d.kernel, outputs = block.project.outputs
    var result = [Double](repeating: 0, count: oh * ow * outputs)
    for oy in 0..<oh {
        for ox in 0..<ow {
            var filtered = [Double](repeating: 0, count: hidden)
            for c in 0..<hidden {
                var sum = Double(d.bias[c])
                for ky in 0..<k {
                    for kx in 0..<k {
                        let y = oy * d.stride + ky - d.padding.top, x = ox * d.stride + kx - d.padding.left
                        guard y >= 0, y < height, x >= 0, x < width else { continue }
                        sum += expanded[(y * width + x) * hidden + c] * Double(d.taps[(ky * k + kx) * hidden + c])
                    }
                }
                filtered[c] = min(max(sum, 0), 6)
            }
            let p = oy * ow + ox
            for o in 0..<outputs {
                var sum = Double(block.project.bias[o])
                for c in 0..<hidden { sum += filtered[c] * Double(random.projectWeight[c * outputs + o]) }
                if block.residual { sum += Double(input[p * inputs + o]) }
                result[p * outputs + o] = sum
            }
        }
    }
    return result
}

/// Shapes: several bands (tall planes), strides 1 and 2, kernels 3 and 5, TF-"SAME" asymmetric
/// padding, no expansion, channel counts off the vector width, and in-place residuals.
let invertedResidualCases: [(inputs: Int, hidden: Int, outputs: Int, kernel: Int, stride: Int, height: Int, width: Int,
                             expands: Bool, residual: Bool)] = [
    (8, 24, 8, 3, 1, 40, 9, true, true), // two bands, in place
    (6, 21, 10, 5, 2, 37, 11, true, false),
    (16, 16, 8, 3, 1, 30, 12, false, false),
    (5, 30, 5, 5, 1, 7, 7, true, true),
    (12, 40, 20, 3, 2, 200, 6, true, false), // two bands at stride 2
]

/// Runs every case fused, layered on one thread and layered on two; returns what disagreed. With
/// `bitwise`, fused and layered must be bitwise equal (same GEMM accumulation order per element, same
/// depthwise order) — only where no other test can switch the kernel variant in between.
func invertedResidualMismatches(seed: UInt64, bitwise: Bool) -> [String] {
    var random = SeededRandom(seed: seed)
    var problems: [String] = []
    for c in invertedResidualCases {
        let padding = c.residual ? Padding.symmetric(c.kernel / 2)
            : .same(height: c.height, width: c.width, kernel: c.kernel, stride: c.stride)
        let made = randomInvertedResidual(&random, inputs: c.inputs, hidden: c.hidden, outputs: c.outputs, kernel: c.kernel,
                                          stride: c.stride, padding: padding, expands: c.expands, residual: c.residual)
        let block = made.block
        let input = random.floats(c.height * c.width * c.inputs)
        let (oh, ow) = block.outputSize(height: c.height, width: c.width)
        let want = referenceInvertedResidual(made, input, height: c.height, width: c.width)

        var hidden = [Float](repeating: .nan, count: c.height * c.width * c.hidden), filtered = hidden
        var layered = c.residual ? input : [Float](repeating: .nan, count: oh * ow * c.outputs)
        var fused = layered, layeredTwo = layered
        var fusedSize = (height: 0, width: 0)
        input.withUnsafeBufferPointer { x in
            layered.withUnsafeMutableBufferPointer { out in
                _ = block.applyLayered(c.residual ? UnsafePointer(out.baseAddress!) : x.baseAddress!, height: c.height, width: c.width,
                                   hidden: &hidden, filtered: &filtered, into: out.baseAddress!, threads: 1)
            }
            layeredTwo.withUnsafeMutableBufferPointer { out in
                _ = block.applyLayered(c.residual ? UnsafePointer(out.baseAddress!) : x.baseAddress!, height: c.height, width: c.width,
                                   hidden: &hidden, filtered: &filtered, into: out.baseAddress!, threads: 2)
            }
            fused.withUnsafeMutableBufferPointer { out in
                fusedSize = block.applyFused(c.residual ? UnsafePointer(out.baseAddress!) : x.baseAddress!, height: c.height,
                                             width: c.width, into: out.baseAddress!)
            }
        }
        if fusedSize != (oh, ow) { problems.append("fused size \(fusedSize), want \(oh)×\(ow): \(c)") }
        if bitwise && fused != layered { problems.append("fused vs layered: \(zip(fused, layered).filter { $0 != $1 }.count) differ: \(c)") }
        if bitwise && layeredTwo != layered { problems.append("layered on 2 threads vs 1: \(c)") }
        for (name, got) in [("fused", fused), ("layered", layered), ("layered on 2 threads", layeredTwo)] {
            let error = worstError(got, want, relative: 1e-4, absolute: 1e-4)
            if !(error <= 1) { problems.append("\(name) vs the definition, error \(error): \(c)") }
        }
    }
    return problems
}

@Suite struct InvertedResidualTests {
    /// Against the definition only: `KernelVariantTests` may switch the kernel variant meanwhile; it
    /// checks bitwise agreement of the fused and layered paths itself, per variant.
    @Test func fusedAndLayeredMatchTheDefinition() {
        #expect(invertedResidualMismatches(seed: 60, bitwise: false) == [])
    }
}
