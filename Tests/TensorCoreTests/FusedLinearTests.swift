import XCTest
import TensorCore

/// `Tensor.linear`: a linear layer whose bias, addend and SiLU run in the GEMM's epilogue.
///
/// The contract: the fused op gives bitwise the values and the gradients of the separate ops
/// `(x.matmul(w, transposeB: true) + bias + add).silu()`, on every kernel path and thread count.
final class FusedLinearTests: XCTestCase {
    func normal(_ shape: [Int], _ seed: UInt64, scale: Float = 1) -> Tensor {
        Tensor.randomNormal(shape, key: RandomKey(seed: seed)) * scale
    }

    func unfused(_ x: Tensor, _ w: Tensor, _ b: Tensor?, _ add: Tensor?, _ activation: Activation) -> Tensor {
        var h = x.matmul(w, transposeB: true)
        if let b { h = h + b }
        if let add { h = h + add }
        return activation == .silu ? h.silu() : h
    }

    /// Operands whose products cover SiLU's clamps (|h| past 87 and 88), both signs, zero, and ±∞
    /// when `infinite`.
    func operands(rows: Int, in k: Int, out n: Int, infinite: Bool = false) -> (Tensor, Tensor, Tensor, Tensor) {
        let x = normal([rows, k], 1, scale: 3), w = normal([n, k], 2)
        let special: [Float] = [0, 90, -90, 87.2, -88.4, 1e-30, -3] + (infinite ? [.infinity, -.infinity] : [])
        let b = Tensor((0..<n).map { special[$0 % special.count] }, shape: [n])
        return (x, w, b, normal([rows, n], 4, scale: 20))
    }

    func testFusedLinearGivesBitwiseTheSeparateOpsOnEveryPathAndThreadCount() {
        let saved = (KernelPath.active, ComputeThreads.count)
        defer { KernelPath.activate(saved.0); ComputeThreads.set(saved.1) }
        // Odd shapes (edge tiles), one past the K block, and one tall enough to be split.
        for (rows, k, n) in [(1, 1, 1), (37, 19, 23), (5, 700, 33), (600, 64, 256)] {
            let (x, w, b, add) = operands(rows: rows, in: k, out: n, infinite: true)
            for path in KernelPath.supported {
                for threads in [1, 2, 3] {
                    KernelPath.activate(path)
                    ComputeThreads.set(threads)
                    let context = "\(rows)×\(k)→\(n), \(path), \(threads) threads"
                    for activation in [Activation.identity, .silu] {
                        for (bias, addend) in [(b, nil), (nil, add), (b, add)] as [(Tensor?, Tensor?)] {
                            let fused = Tensor.linear(x, weight: w, bias: bias, adding: addend, activation: activation)
                            XCTAssertEqual(fused.shape, [rows, n], context)
                            XCTAssertEqual(fused.scalars.map(\.bitPattern), unfused(x, w, bias, addend, activation).scalars.map(\.bitPattern),
                                           "\(context), \(activation), bias \(bias != nil), add \(addend != nil)")
                        }
                    }
                }
            }
        }
    }

    func testLeadingAxesAreBatchAxes() {
        let x = normal([2, 3, 5], 7), w = normal([4, 5], 8), b = normal([4], 9)
        let y = Tensor.linear(x, weight: w, bias: b, activation: .silu)
        XCTAssertEqual(y.shape, [2, 3, 4])
        XCTAssertEqual(y.scalars, unfused(x.reshaped([6, 5]), w, b, nil, .silu).scalars)
    }

    func testGradientsAreBitwiseThoseOfTheSeparateOpsOnAnyThreadCount() {
        let saved = ComputeThreads.count
        defer { ComputeThreads.set(saved) }
        // The second shape is large enough for the workers to split the bias gradient's columns.
        for (rows, k, n) in [(45, 31, 40), (700, 20, 300)] {
            let (x, w, b, add) = operands(rows: rows, in: k, out: n)
            let cot = normal([rows, n], 11)
            for activation in [Activation.identity, .silu] {
                for threads in [1, 2, 3] {
                    ComputeThreads.set(threads)
                    // With and without a residual addend, compared bit for bit.
                    for withAdd in [true, false] {
                        let leaves = (withAdd ? [x, w, b, add] : [x, w, b]).map { ($0 * 0.05).trackingGradient() }
                        let addend = withAdd ? leaves[3] : nil
                        let fused = gradients(of: (Tensor.linear(leaves[0], weight: leaves[1], bias: leaves[2], adding: addend,
                                                                 activation: activation) * cot).sum(), wrt: leaves)
                        let separate = gradients(of: (unfused(leaves[0], leaves[1], leaves[2], addend, activation) * cot).sum(), wrt: leaves)
                        for (i, name) in ["x", "weight", "bias", "add"].prefix(leaves.count).enumerated() {
                            XCTAssertEqual(fused[i].scalars.map(\.bitPattern), separate[i].scalars.map(\.bitPattern),
                                           "\(rows)×\(k)→\(n), \(activation), \(threads) threads, add \(withAdd): gradient of \(name)")
                        }
                    }
                }
            }
        }
    }

    func testGradientsMatchFiniteDifferences() {
        let inputs = [normal([6, 5], 21), normal([4, 5], 22), normal([4], 23), normal([6, 4], 24)]
        for activation in [Activation.identity, .silu] {
            let r = checkGradient(at: inputs) { Tensor.linear($0[0], weight: $0[1], bias: $0[2], adding: $0[3], activation: activation) }
            XCTAssertTrue(r.passed, "\(activation): \(r)")
            let noBias = checkGradient(at: [inputs[0], inputs[1]]) { Tensor.linear($0[0], weight: $0[1], bias: nil, activation: activation) }
            XCTAssertTrue(noBias.passed, "\(activation), no bias: \(noBias)")
        }
    }

    func testSecondDerivativesMatchFiniteDifferences() {
        let inputs = [normal([3, 4], 31), normal([5, 4], 32), normal([5], 33), normal([3, 5], 34)]
        for activation in [Activation.identity, .silu] {
            let r = checkSecondGradient(at: inputs) { Tensor.linear($0[0], weight: $0[1], bias: $0[2], adding: $0[3], activation: activation) }
            XCTAssertTrue(r.passed, "\(activation): \(r)")
            XCTAssertGreaterThan(r.checkedElements, 0)
        }
    }

    func testTrackedAndUntrackedForwardPassesAgree() {
        // Untracked, SiLU overwrites the pre-activation in place; tracked, it keeps it.
        let (x, w, b, _) = operands(rows: 20, in: 9, out: 17)
        let plain = Tensor.linear(x, weight: w, bias: b, activation: .silu)
        let taped = Tensor.linear(x.trackingGradient(), weight: w, bias: b, activation: .silu)
        XCTAssertEqual(plain.scalars, taped.scalars)
    }
}
