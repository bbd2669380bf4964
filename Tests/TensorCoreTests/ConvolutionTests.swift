import XCTest
import TensorCore

/// conv2d against a direct loop, hand-computed values, and finite-difference gradients.
final class ConvolutionTests: XCTestCase {
    let key = RandomKey(seed: 5)
    func randn(_ shape: [Int], _ i: UInt64 = 0) -> Tensor { Tensor.randomNormal([1] + shape, key: key.fold(i)).reshaped(shape) }

    /// The definition, as nested loops.
    func directConv(_ x: Tensor, _ w: Tensor, _ b: Tensor?, stride s: Int, padding p: Int) -> [Float] {
        let (n, c, h, wd) = (x.shape[0], x.shape[1], x.shape[2], x.shape[3])
        let (o, kh, kw) = (w.shape[0], w.shape[2], w.shape[3])
        let ho = (h + 2 * p - kh) / s + 1, wo = (wd + 2 * p - kw) / s + 1
        let xs = x.scalars, ws = w.scalars, bs = b?.scalars
        var out = [Float](repeating: 0, count: n * o * ho * wo)
        for ni in 0..<n { for oi in 0..<o { for oy in 0..<ho { for ox in 0..<wo {
            var acc = bs?[oi] ?? 0
            for ci in 0..<c { for i in 0..<kh { for j in 0..<kw {
                let iy = oy * s - p + i, ix = ox * s - p + j
                if iy >= 0 && iy < h && ix >= 0 && ix < wd {
                    acc += ws[((oi * c + ci) * kh + i) * kw + j] * xs[((ni * c + ci) * h + iy) * wd + ix]
                }
            } } }
            out[((ni * o + oi) * ho + oy) * wo + ox] = acc
        } } } }
        return out
    }

    func testHandComputedConvolution() {
        // 3×3 image, 2×2 kernel of ones: each output is the sum of a 2×2 window, plus bias 10.
        let x = Tensor((1...9).map(Float.init), shape: [1, 1, 3, 3])
        let w = Tensor.ones([1, 1, 2, 2])
        let y = Tensor.conv2d(x, weight: w, bias: Tensor([10]))
        XCTAssertEqual(y.shape, [1, 1, 2, 2])
        XCTAssertEqual(y.scalars, [22, 26, 34, 38])
        // Padding 1, stride 2 on the same image with a 3×3 centre-only kernel picks pixels (0,0), (0,2), (2,0), (2,2).
        var centre = [Float](repeating: 0, count: 9); centre[4] = 1
        let z = x.conv2d(weight: Tensor(centre, shape: [1, 1, 3, 3]), stride: 2, padding: 1)
        XCTAssertEqual(z.scalars, [1, 3, 7, 9])
    }

    func testMatchesDirectLoopOnUNetLikeShapes() {
        // (batch, C, O, size, kernel, stride, padding): stride 1/2, 1×1, grouped small images, batch 1.
        let cases = [(3, 4, 5, 6, 3, 1, 1), (5, 3, 2, 7, 3, 2, 1), (4, 6, 3, 5, 1, 1, 0), (9, 2, 3, 3, 3, 1, 1),
                     (1, 2, 3, 8, 3, 1, 1), (2, 3, 4, 6, 3, 1, 0), (7, 5, 4, 2, 1, 1, 0), (2, 1, 2, 5, 2, 2, 0)]
        for (i, (n, c, o, hw, k, s, p)) in cases.enumerated() {
            let x = randn([n, c, hw, hw + 1], UInt64(3 * i)), w = randn([o, c, k, k], UInt64(3 * i + 1))
            let b = randn([o], UInt64(3 * i + 2))
            let y = Tensor.conv2d(x, weight: w, bias: b, stride: s, padding: p)
            let ref = directConv(x, w, b, stride: s, padding: p)
            XCTAssertEqual(y.count, ref.count)
            for (a, r) in zip(y.scalars, ref) { XCTAssertEqual(a, r, accuracy: 1e-4, "case \(i)") }
        }
    }

    func testSameResultOnOneThread() {
        let x = randn([6, 3, 7, 7], 1), w = randn([4, 3, 3, 3], 2)
        let two = x.conv2d(weight: w, padding: 1)
        let saved = ComputeThreads.count
        ComputeThreads.set(1)
        let one = x.conv2d(weight: w, padding: 1)
        ComputeThreads.set(saved)
        for (a, b) in zip(one.scalars, two.scalars) { XCTAssertEqual(a, b, accuracy: 1e-5) }
    }

    func testGradientsOfInputWeightAndBias() {
        let cases = [(2, 3, 4, 5, 3, 1, 1), (3, 2, 3, 6, 3, 2, 1), (3, 4, 2, 3, 1, 1, 0), (7, 2, 3, 2, 3, 1, 1),
                     (1, 2, 2, 5, 3, 1, 0), (5, 3, 2, 2, 1, 1, 0)]
        for (i, (n, c, o, hw, k, s, p)) in cases.enumerated() {
            let x = randn([n, c, hw, hw], UInt64(10 + 3 * i)), w = randn([o, c, k, k], UInt64(11 + 3 * i)) * 0.5
            let b = randn([o], UInt64(12 + 3 * i))
            let r = checkGradient(at: [x, w, b]) { Tensor.conv2d($0[0], weight: $0[1], bias: $0[2], stride: s, padding: p) }
            XCTAssertTrue(r.passed, "case \(i): \(r)")
            let nb = checkGradient(at: [x, w]) { Tensor.conv2d($0[0], weight: $0[1], stride: s, padding: p) }
            XCTAssertTrue(nb.passed, "case \(i) without bias: \(nb)")
        }
    }

    func testInputGradientSkippedWhenInputUntracked() {
        let x = randn([2, 2, 4, 4], 1), w = randn([3, 2, 3, 3], 2).trackingGradient()
        let g = Tensor.conv2d(x, weight: w, padding: 1).sum().backward()
        XCTAssertEqual(g[w]?.shape, [3, 2, 3, 3])
        XCTAssertNil(g[x])
    }
}
