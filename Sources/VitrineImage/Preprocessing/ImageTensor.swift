/// A dense Float tensor in row-major order with its shape: `[3, H, W]` for one image,
/// `[N, 3, H, W]` for a batch. `VitrineImage` sits below `VitrineTensor`, so this is the plain
/// hand-off type; the models stage wraps `values` without copying semantics of its own.
public struct ImageTensor: Sendable, Equatable {
    /// Extent of each dimension, outermost first.
    public let shape: [Int]
    /// `shape.reduce(1, *)` values, row-major.
    public let values: [Float]

    /// Wraps values with a shape; fails when the counts disagree.
    public init(shape: [Int], values: [Float]) throws(ImageProcessingError) {
        guard shape.allSatisfy({ $0 > 0 }), shape.reduce(1, *) == values.count else {
            throw .batchShapeMismatch(expected: shape, found: [values.count], index: 0)
        }
        self.shape = shape
        self.values = values
    }

    init(uncheckedShape shape: [Int], values: [Float]) {
        self.shape = shape
        self.values = values
    }

    /// Stacks same-shaped `[3, H, W]` tensors into one `[N, 3, H, W]` tensor.
    public static func batch(_ items: [ImageTensor]) throws(ImageProcessingError) -> ImageTensor {
        guard let first = items.first else {
            throw .invalidSize(operation: "batch of zero images", width: 0, height: 0)
        }
        var values: [Float] = []
        values.reserveCapacity(first.values.count * items.count)
        for (index, item) in items.enumerated() {
            guard item.shape == first.shape else {
                throw .batchShapeMismatch(expected: first.shape, found: item.shape, index: index)
            }
            values.append(contentsOf: item.values)
        }
        return ImageTensor(uncheckedShape: [items.count] + first.shape, values: values)
    }
}

extension RGBImage {
    /// Converts to a `[3, height, width]` tensor: `(byte / 255 − mean[c]) / std[c]` per channel,
    /// computed in Float in the same order as torchvision's `ToTensor` + `Normalize`.
    public func normalizedTensor(mean: [Float], std: [Float]) throws(ImageProcessingError) -> ImageTensor {
        guard mean.count == 3, std.count == 3 else {
            throw .invalidNormalization("mean and std need 3 values each, got \(mean.count) and \(std.count)")
        }
        guard std.allSatisfy({ $0 != 0 && $0.isFinite }), mean.allSatisfy(\.isFinite) else {
            throw .invalidNormalization("std must be finite and non-zero, mean finite (std \(std), mean \(mean))")
        }
        let plane = width * height
        let count = plane * 3
        // A byte has 256 values: each channel's results are computed once into a table (the same
        // expression, so the same floats) instead of two divisions per pixel (1 % of indexing time).
        var table = [Float](repeating: 0, count: 3 * 256)
        for channel in 0..<3 {
            for value in 0..<256 { table[channel * 256 + value] = (Float(value) / 255 - mean[channel]) / std[channel] }
        }
        let values = [Float](unsafeUninitializedCapacity: count) { output, initialized in
            pixels.withUnsafeBufferPointer { input in
                table.withUnsafeBufferPointer { lookup in
                    for channel in 0..<3 {
                        let base = channel * plane, row = lookup.baseAddress! + channel * 256
                        for i in 0..<plane { output[base + i] = row[Int(input[i * 3 + channel])] }
                    }
                }
            }
            initialized = count
        }
        return ImageTensor(uncheckedShape: [3, height, width], values: values)
    }
}
