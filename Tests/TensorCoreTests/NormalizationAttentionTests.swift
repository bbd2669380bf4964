import XCTest
import TensorCore

/// GroupNorm (with and without fused SiLU) and scaled dot-product attention.
final class NormalizationAttentionTests: XCTestCase {
    let key = RandomKey(seed: 9)
    func randn(_ shape: [Int], _ i: UInt64 = 0) -> Tensor { Tensor.randomNormal([1] + shape, key: key.fold(i)).reshaped(shape) }

    /// GroupNorm composed of elementary ops (the definition).
    func composedGroupNorm(_ x: Tensor, groups: Int, _ w: Tensor, _ b: Tensor, eps: Float = 1e-5) -> Tensor {
        let (n, c) = (x.shape[0], x.shape[1])
        let g = x.reshaped([n, groups, -1])
        let m = g.mean(axes: [2], keepDims: true), v = g.variance(axes: [2], keepDims: true)
        let xhat = ((g - m) / (v + eps).sqrt()).reshaped(x.shape)
        let bshape = [1, c] + [Int](repeating: 1, count: x.rank - 2)
        return xhat * w.reshaped(bshape) + b.reshaped(bshape)
    }

    func testGroupNormValues() {
        // One group of [1, 2, 3, 4]: mean 2.5, variance 1.25.
        let x = Tensor([1, 2, 3, 4], shape: [1, 2, 2])
        let y = x.groupNorm(groups: 1, weight: nil, bias: nil, eps: 0)
        let r = 1 / Float(1.25).squareRoot()
        for (a, e) in zip(y.scalars, [-1.5 * r, -0.5 * r, 0.5 * r, 1.5 * r]) { XCTAssertEqual(a, e, accuracy: 1e-6) }
        let x4 = randn([3, 6, 4, 5], 1) * 3 + 1, w = randn([6], 2), b = randn([6], 3)
        let fused = x4.groupNorm(groups: 3, weight: w, bias: b)
        let ref = composedGroupNorm(x4, groups: 3, w, b)
        for (a, e) in zip(fused.scalars, ref.scalars) { XCTAssertEqual(a, e, accuracy: 1e-4) }
        let act = x4.groupNorm(groups: 3, weight: w, bias: b, silu: true)
        for (a, e) in zip(act.scalars, ref.silu().scalars) { XCTAssertEqual(a, e, accuracy: 1e-4) }
    }

    func testGroupNormGradients() {
        let x = randn([2, 4, 3, 3], 4), w = randn([4], 5), b = randn([4], 6)
        for silu in [false, true] {
            let r = checkGradient(at: [x, w, b]) { $0[0].groupNorm(groups: 2, weight: $0[1], bias: $0[2], silu: silu) }
            XCTAssertTrue(r.passed, "silu \(silu): \(r)")
        }
        XCTAssertTrue(checkGradient(at: [x]) { $0[0].groupNorm(groups: 4, weight: nil, bias: nil) }.passed)
        // Rank-2 input [N, C]: each group is a set of channels.
        XCTAssertTrue(checkGradient(at: [randn([3, 8], 7), w.reshaped([4]).broadcast(to: [2, 4]).reshaped([8]), randn([8], 8)]) {
            $0[0].groupNorm(groups: 2, weight: $0[1], bias: $0[2], silu: true)
        }.passed)
    }

    func testGroupNormSiLUIsFastSiLUOfTheNormalizedValuesOnEveryKernelPathBitwise() {
        // 35 pixels: whole 16-lane vectors and a tail; values large enough to clamp the exponential.
        let x = randn([2, 6, 5, 7], 11) * 40, w = randn([6], 12), b = randn([6], 13)
        let saved = KernelPath.active
        defer { KernelPath.activate(saved) }
        var results: [KernelPath: [[Float]]] = [:]
        for path in KernelPath.supported {
            KernelPath.activate(path)
            let z = x.groupNorm(groups: 3, weight: w, bias: b)
            let y = x.groupNorm(groups: 3, weight: w, bias: b, silu: true)
            XCTAssertEqual(y.scalars.map(\.bitPattern), z.scalars.map { fastSiLU($0).bitPattern }, "\(path)")
            let seed = randn([2, 6, 5, 7], 14)
            let (_, g) = valueWithGradient(at: [x, w, b], seed: seed) { $0[0].groupNorm(groups: 3, weight: $0[1], bias: $0[2], silu: true) }
            results[path] = [y.scalars] + g.map(\.scalars)
        }
        for (path, r) in results { XCTAssertEqual(r, results[.generic], "\(path) differs from generic") }
    }

    func testAttentionMatchesComposedOps() {
        let q = randn([2, 5, 4], 1), k = randn([2, 6, 4], 2), v = randn([2, 6, 3], 3)
        let y = Tensor.scaledDotProductAttention(q, k, v)
        let ref = (q.matmul(k, transposeB: true) * (1 / Float(2))).softmax(axis: -1).matmul(v)
        XCTAssertEqual(y.shape, [2, 5, 3])
        for (a, e) in zip(y.scalars, ref.scalars) { XCTAssertEqual(a, e, accuracy: 1e-5) }
        // Channels-first operands give the transposed result.
        let cf = Tensor.scaledDotProductAttention(q.transposed(), k.transposed(), v.transposed(), layout: .channelsFirst)
        XCTAssertEqual(cf.shape, [2, 3, 5])
        for (a, e) in zip(cf.transposed().scalars, y.scalars) { XCTAssertEqual(a, e, accuracy: 1e-5) }
        // One key: the output is that key's value for every query.
        let single = Tensor.scaledDotProductAttention(q, k.slice(axis: 1, 0..<1), v.slice(axis: 1, 0..<1))
        XCTAssertEqual(single.slice(axis: 1, 2..<3).scalars, v.slice(axis: 1, 0..<1).scalars)
    }

    func testAttentionGradients() {
        let q = randn([3, 4, 5], 4), k = randn([3, 6, 5], 5), v = randn([3, 6, 2], 6)
        let r = checkGradient(at: [q, k, v]) { Tensor.scaledDotProductAttention($0[0], $0[1], $0[2]) }
        XCTAssertTrue(r.passed, "\(r)")
        let rc = checkGradient(at: [q.transposed(), k.transposed(), v.transposed()]) {
            Tensor.scaledDotProductAttention($0[0], $0[1], $0[2], layout: .channelsFirst)
        }
        XCTAssertTrue(rc.passed, "channels first: \(rc)")
    }
}
