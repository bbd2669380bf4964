import XCTest
import TensorCore
@testable import Samplers

/// The one divergence of the likelihood and of CNF training, on fields whose Jacobian is known:
/// v(z) = z·Aᵀ + z² (elementwise), so ∂v/∂z = A + 2·diag(z) per row.
final class DivergenceTests: XCTestCase {
    let a: [Float] = [0.5, -1.0, 2.0, 0.25, 1.5, -0.75, 0.3, 0.8, -2.0]   // 3×3, row-major

    func field(_ z: Tensor) -> Tensor {
        z.matmul(Tensor(a, shape: [3, 3]), transposeB: true) + z * z
    }

    /// tr(A + 2·diag(z)) and ‖A + 2·diag(z)‖²_F per row.
    func exact(_ z: [Float], rows: Int) -> (trace: [Double], frobenius: [Double]) {
        (0..<rows).map { i -> (Double, Double) in
            var trace = 0.0, norm = 0.0
            for r in 0..<3 {
                for c in 0..<3 {
                    let j = Double(a[r * 3 + c]) + (r == c ? 2 * Double(z[i * 3 + r]) : 0)
                    if r == c { trace += j }
                    norm += j * j
                }
            }
            return (trace, norm)
        }.reduce(into: ([Double](), [Double]())) { $0.0.append($1.0); $0.1.append($1.1) }
    }

    func testExactDivergenceAndFrobeniusNormAreTheJacobiansTraceAndNorm() {
        let z = Tensor.randomNormal([4, 3], key: RandomKey(seed: 1)).trackingGradient()
        let (divergence, frobenius) = Divergence.evaluate(field(z), at: z, probes: [], frobenius: true)
        let expected = exact(z.scalars, rows: 4)
        for i in 0..<4 {
            XCTAssertEqual(Double(divergence.scalars[i]), expected.trace[i], accuracy: 1e-5)
            XCTAssertEqual(Double(frobenius!.scalars[i]), expected.frobenius[i], accuracy: 1e-4)
        }
    }

    /// Hutchinson's estimate is unbiased: over many probes its mean is the trace; a Rademacher
    /// probe is ±1, and a probe of a sample does not depend on the batch it is drawn in.
    func testHutchinsonProbesAreUnbiasedAndKeyedBySample() {
        let rows = 2
        let z = Tensor.randomNormal([rows, 3], key: RandomKey(seed: 2)).trackingGradient()
        let expected = exact(z.scalars, rows: rows)
        for distribution in ProbeDistribution.allCases {
            let method = Divergence.hutchinson(probes: 4000, distribution: distribution)
            let probes = method.probes(batch: rows, dimension: 3, key: RandomKey(seed: 3))
            if distribution == .rademacher { XCTAssertTrue(probes.allSatisfy { $0.scalars.allSatisfy { abs($0) == 1 } }) }
            let (divergence, frobenius) = Divergence.evaluate(field(z), at: z, probes: probes, frobenius: true)
            for i in 0..<rows {
                XCTAssertEqual(Double(divergence.scalars[i]), expected.trace[i], accuracy: 0.2, "\(distribution)")
                XCTAssertEqual(Double(frobenius!.scalars[i]), expected.frobenius[i], accuracy: 0.1 * expected.frobenius[i], "\(distribution)")
            }
            let whole = method.probes(batch: 5, dimension: 3, key: RandomKey(seed: 3), firstSample: 10)
            let tail = method.probes(batch: 2, dimension: 3, key: RandomKey(seed: 3), firstSample: 13)
            for k in [0, 3999] { XCTAssertEqual(Array(whole[k].scalars[9...]), tail[k].scalars) }
        }
        XCTAssertTrue(Divergence.exact.probes(batch: 2, dimension: 3, key: RandomKey(seed: 3)).isEmpty)
    }
}
