import Testing
import VitrineCore

// The trainer's GEMM seam (Sources/VitrineCore/Training/TrainingGEMM.swift) against plain loops,
// through the layer that uses all three operand forms: forward x·W, input gradient g·Wᵀ (also the
// form of the logits U·Tᵀ) and weight gradient xᵀ·g. Odd shapes, from 1×1×1 to ones past the packed
// kernel's blocks, so edge tiles and leading dimensions are exercised.

/// Plain-loop `op(a) · op(b)`, summed in Double: the reference the packed GEMM replaced.
private func referenceProduct(_ a: TrainingMatrix, transposeA: Bool = false,
                              _ b: TrainingMatrix, transposeB: Bool = false) -> TrainingMatrix {
    let m = transposeA ? a.columns : a.rows
    let k = transposeA ? a.rows : a.columns
    let n = transposeB ? b.rows : b.columns
    var c = TrainingMatrix(rows: m, columns: n)
    for i in 0..<m {
        for j in 0..<n {
            var sum = 0.0
            for p in 0..<k { sum += Double(transposeA ? a[p, i] : a[i, p]) * Double(transposeB ? b[j, p] : b[p, j]) }
            c[i, j] = Float(sum)
        }
    }
    return c
}

@Test func linearLayerProductsMatchPlainLoopsOnOddShapes() {
    var generator = TrainingRandomGenerator(seed: 11)
    for (batch, inputs, outputs) in [(1, 1, 1), (3, 5, 2), (7, 13, 11), (17, 33, 9), (64, 48, 31), (129, 70, 65)] {
        let input = TrainingGradientCheck.randomMatrix(batch, inputs, &generator)
        let outputGradient = TrainingGradientCheck.randomMatrix(batch, outputs, &generator)
        let layer = TrainingLayers.Linear(weight: TrainingGradientCheck.randomMatrix(inputs, outputs, &generator),
                                          bias: TrainingMatrix(rows: 1, columns: outputs))
        let shape = "\(batch)×\(inputs)→\(outputs)"
        let forward = layer.forward(input)
        let gradients = layer.backward(input: input, outputGradient: outputGradient)
        let weightOnly = layer.parameterGradients(input: input, outputGradient: outputGradient).weight
        let cases: [(String, TrainingMatrix, TrainingMatrix)] = [
            ("x·W", forward, referenceProduct(input, layer.weight)),
            ("g·Wᵀ", gradients.input, referenceProduct(outputGradient, layer.weight, transposeB: true)),
            ("xᵀ·g", gradients.weight, referenceProduct(input, transposeA: true, outputGradient)),
            ("xᵀ·g (parameters only)", weightOnly, referenceProduct(input, transposeA: true, outputGradient)),
        ]
        for (name, packed, reference) in cases {
            #expect(packed.shape == reference.shape, "\(shape) \(name): \(packed.shape) vs \(reference.shape)")
            // Float32 sums of at most 129 terms: a relative error near 1e-7; a wrong index is near 1.
            let error = TrainingGradientCheck.relativeError(packed, reference)
            #expect(error < 1e-5, "\(shape) \(name): relative error \(error)")
        }
    }
}
