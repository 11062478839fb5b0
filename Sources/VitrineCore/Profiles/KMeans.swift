import VitrineTensor

// Weighted spherical k-means for splitting a user's positive history into interests.
// Seeding is deterministic farthest-point (start from the heaviest item, then repeatedly
// the item least similar to every chosen seed), so the same history always gives the same
// interests — a requirement for explainable, testable recommendations.

enum SphericalKMeans {
    /// Clusters unit-ish `vectors` (with positive `weights`) into `k` groups.
    /// Returns the assignment of every vector to a cluster in `0..<k`.
    static func cluster(vectors: [[Float]], weights: [Double], k: Int, maxIterations: Int = 25) -> [Int] {
        let n = vectors.count
        guard k > 1, n > k else { return Array(0..<n).map { min($0, max(k - 1, 0)) } }
        var seeds: [Int] = []
        var first = 0
        for i in 1..<n where weights[i] > weights[first] { first = i }
        seeds.append(first)
        var closest = vectors.map { VectorMath.dot($0, vectors[first]) }
        while seeds.count < k {
            var next = -1
            for i in 0..<n where !seeds.contains(i) {
                if next < 0 || closest[i] < closest[next] { next = i }
            }
            seeds.append(next)
            for i in 0..<n { closest[i] = max(closest[i], VectorMath.dot(vectors[i], vectors[next])) }
        }
        var centroids = seeds.map { vectors[$0] }
        var assignment = [Int](repeating: -1, count: n)
        for _ in 0..<maxIterations {
            var changed = false
            for i in 0..<n {
                var best = 0
                var bestScore = VectorMath.dot(vectors[i], centroids[0])
                for c in 1..<k {
                    let score = VectorMath.dot(vectors[i], centroids[c])
                    if score > bestScore { best = c; bestScore = score }
                }
                if assignment[i] != best { assignment[i] = best; changed = true }
            }
            if !changed { break }
            for c in 0..<k {
                var sum = [Float](repeating: 0, count: vectors[0].count)
                var any = false
                for i in 0..<n where assignment[i] == c {
                    VectorMath.addScaled(&sum, vectors[i], Float(weights[i]))
                    any = true
                }
                if any, let unit = l2Normalized(sum) { centroids[c] = unit }
            }
        }
        return assignment
    }
}
