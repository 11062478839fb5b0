// A small dense Cholesky factorization for the ridge-regression normal equations.
// Sizes are at most a few thousand (the smaller of item count and embedding width),
// so a straightforward O(n³/3) factorization in Double is adequate and stable.

/// Solves symmetric positive-definite systems `A X = B` by Cholesky factorization.
struct CholeskySolver {
    let size: Int
    /// Lower-triangular factor L (row-major), with A = L Lᵀ.
    private var lower: [Double]

    /// Factors the row-major `size × size` matrix `matrix` (only the lower triangle is read).
    init(matrix: [Double], size: Int) throws {
        precondition(matrix.count == size * size, "Cholesky: matrix is not size²")
        self.size = size
        var l = matrix
        for j in 0..<size {
            var diagonal = l[j * size + j]
            for k in 0..<j { diagonal -= l[j * size + k] * l[j * size + k] }
            guard diagonal > 0, diagonal.isFinite else { throw VitrineCoreError.notPositiveDefinite(size: size) }
            let pivot = diagonal.squareRoot()
            l[j * size + j] = pivot
            for i in (j + 1)..<max(j + 1, size) {
                var value = l[i * size + j]
                for k in 0..<j { value -= l[i * size + k] * l[j * size + k] }
                l[i * size + j] = value / pivot
            }
        }
        for i in 0..<size { for j in (i + 1)..<max(i + 1, size) { l[i * size + j] = 0 } }
        lower = l
    }

    /// Solves `A X = B` for the row-major `size × columns` right-hand side `rhs`.
    func solve(_ rhs: [Double], columns: Int) -> [Double] {
        precondition(rhs.count == size * columns, "Cholesky: right-hand side shape")
        var x = rhs
        // Forward substitution L Y = B, all columns at once (row-oriented for locality).
        for i in 0..<size {
            for k in 0..<i {
                let factor = lower[i * size + k]
                if factor == 0 { continue }
                for c in 0..<columns { x[i * columns + c] -= factor * x[k * columns + c] }
            }
            let pivot = lower[i * size + i]
            for c in 0..<columns { x[i * columns + c] /= pivot }
        }
        // Back substitution Lᵀ X = Y.
        for i in stride(from: size - 1, through: 0, by: -1) {
            for k in (i + 1)..<max(i + 1, size) {
                let factor = lower[k * size + i]
                if factor == 0 { continue }
                for c in 0..<columns { x[i * columns + c] -= factor * x[k * columns + c] }
            }
            let pivot = lower[i * size + i]
            for c in 0..<columns { x[i * columns + c] /= pivot }
        }
        return x
    }
}
