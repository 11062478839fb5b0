// A dense row-major Float32 matrix: the one tensor shape the two-tower trainer needs.
// Row-major on purpose: it is the layout VitrineTensor's GEMM expects, so the seam in
// TrainingGEMM.swift can hand these buffers over without copying.

/// A dense, row-major `rows × columns` matrix of `Float` used by the two-tower trainer.
public struct TrainingMatrix: Sendable, Equatable {
    /// Number of rows.
    public private(set) var rows: Int
    /// Number of columns.
    public private(set) var columns: Int
    /// The entries, row after row (`values[row * columns + column]`); edit in place, keeping `rows * columns` of them.
    public var values: [Float]

    /// Wraps `values` (row-major, `rows * columns` entries) as a matrix.
    public init(rows: Int, columns: Int, values: [Float]) {
        precondition(rows >= 0 && columns >= 0 && values.count == rows * columns,
                     "TrainingMatrix: \(values.count) values for a \(rows)×\(columns) matrix")
        self.rows = rows
        self.columns = columns
        self.values = values
    }

    /// A `rows × columns` matrix with every entry equal to `value`.
    public init(rows: Int, columns: Int, repeating value: Float = 0) {
        self.init(rows: rows, columns: columns, values: [Float](repeating: value, count: rows * columns))
    }

    /// A matrix whose rows are the given vectors (all of the same length).
    public init(rowVectors: [[Float]], columns: Int) {
        var flat: [Float] = []
        flat.reserveCapacity(rowVectors.count * columns)
        for vector in rowVectors {
            precondition(vector.count == columns, "TrainingMatrix: row of \(vector.count) values, expected \(columns)")
            flat.append(contentsOf: vector)
        }
        self.init(rows: rowVectors.count, columns: columns, values: flat)
    }

    /// Shape as `[rows, columns]`, the form used in error messages and the serialized header.
    public var shape: [Int] { [rows, columns] }

    /// The entry at (`row`, `column`).
    public subscript(row: Int, column: Int) -> Float {
        get { values[row * columns + column] }
        set { values[row * columns + column] = newValue }
    }

    /// A copy of one row.
    public func row(_ index: Int) -> [Float] {
        Array(values[(index * columns)..<((index + 1) * columns)])
    }

    /// The rows at `indices`, in that order (repeats allowed).
    func gatheringRows(_ indices: [Int]) -> TrainingMatrix {
        var result = TrainingMatrix(rows: indices.count, columns: columns)
        values.withUnsafeBufferPointer { source in
            result.values.withUnsafeMutableBufferPointer { target in
                for (outRow, inRow) in indices.enumerated() {
                    for column in 0..<columns {
                        target[outRow * columns + column] = source[inRow * columns + column]
                    }
                }
            }
        }
        return result
    }

    /// Adds row `i` of `rowsToAdd` into row `indices[i]` of `self` (the backward of `gatheringRows`).
    mutating func scatterAddRows(_ rowsToAdd: TrainingMatrix, into indices: [Int]) {
        precondition(rowsToAdd.rows == indices.count && rowsToAdd.columns == columns)
        let width = columns
        rowsToAdd.values.withUnsafeBufferPointer { source in
            values.withUnsafeMutableBufferPointer { target in
                for (inRow, outRow) in indices.enumerated() {
                    for column in 0..<width {
                        target[outRow * width + column] += source[inRow * width + column]
                    }
                }
            }
        }
    }
}

extension TrainingMatrix {
    /// Element-wise `self += other * scale`.
    mutating func add(_ other: TrainingMatrix, scaledBy scale: Float = 1) {
        precondition(other.rows == rows && other.columns == columns)
        other.values.withUnsafeBufferPointer { source in
            values.withUnsafeMutableBufferPointer { target in
                for index in 0..<target.count { target[index] += scale * source[index] }
            }
        }
    }

    /// Sum of squares of all entries.
    var squaredNorm: Float {
        values.reduce(0) { $0 + $1 * $1 }
    }
}
