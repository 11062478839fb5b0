// Shared helpers for VitrineCore tests: deterministic random vectors and small catalogs.
import Foundation
import VitrineCore

enum CoreTestSupport {
    /// Approximately Gaussian values (sum of 4 uniforms, centered) from a seeded generator.
    static func randomVector(_ dimension: Int, using generator: inout SplitMix64) -> [Float] {
        (0..<dimension).map { _ in
            var sum: Float = 0
            for _ in 0..<4 { sum += Float(generator.next() >> 40) / Float(1 << 24) }
            return sum - 2
        }
    }

    static func normalized(_ v: [Float]) -> [Float] {
        let n = v.reduce(0) { $0 + $1 * $1 }.squareRoot()
        return v.map { $0 / n }
    }

    static func dot(_ a: [Float], _ b: [Float]) -> Float { zip(a, b).reduce(0) { $0 + $1.0 * $1.1 } }

    static func cosine(_ a: [Float], _ b: [Float]) -> Float { dot(normalized(a), normalized(b)) }

    /// `base` plus a small seeded perturbation of relative size `noise`.
    static func jitter(_ base: [Float], noise: Float, using generator: inout SplitMix64) -> [Float] {
        let delta = randomVector(base.count, using: &generator)
        return zip(base, delta).map { $0 + noise * $1 }
    }

    static let epoch = Date(timeIntervalSince1970: 1_700_000_000)

    static func event(_ user: String, _ item: String, _ kind: InteractionKind, value: Double? = nil, day: Double = 0) -> Interaction {
        Interaction(user: user, item: item, kind: kind, value: value, timestamp: epoch.addingTimeInterval(day * 86_400))
    }
}
