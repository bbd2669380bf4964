import XCTest
import DriftKernels
@testable import TensorCore

/// 3×3 convolutions with stride 1 and padding 1 on images at least 7×7 run through Winograd
/// F(2×2, 3×3) — forward, data gradient and weight gradient. Checked against the definition in
/// float64 on odd sizes (odd H and W leave half-empty tiles), and for the fixed-order property:
/// an image's output and data gradient do not depend on the rest of the batch or on the thread
/// count, bitwise. (Smaller images take im2col: `ConvolutionTests`.)
final class WinogradConvolutionTests: XCTestCase {
    let key = RandomKey(seed: 41)
    func randn(_ shape: [Int], _ i: UInt64) -> Tensor { Tensor.randomNormal([1] + shape, key: key.fold(i)).reshaped(shape) }

    /// y, dx = ∂⟨dy, y⟩/∂x and dw = ∂⟨dy, y⟩/∂w from the definition, in float64.
    func reference(_ x: Tensor, _ w: Tensor, _ dy: Tensor) -> (y: [Double], dx: [Double], dw: [Double]) {
        let (n, c, h, wd, o) = (x.shape[0], x.shape[1], x.shape[2], x.shape[3], w.shape[0])
        let xs = x.scalars.map(Double.init), ws = w.scalars.map(Double.init), gs = dy.scalars.map(Double.init)
        var y = [Double](repeating: 0, count: n * o * h * wd), dx = [Double](repeating: 0, count: xs.count)
        var dw = [Double](repeating: 0, count: ws.count)
        for ni in 0..<n { for oi in 0..<o { for oy in 0..<h { for ox in 0..<wd {
            let yi = ((ni * o + oi) * h + oy) * wd + ox
            for ci in 0..<c { for i in 0..<3 { for j in 0..<3 {
                let iy = oy - 1 + i, ix = ox - 1 + j
                guard iy >= 0 && iy < h && ix >= 0 && ix < wd else { continue }
                let xi = ((ni * c + ci) * h + iy) * wd + ix, wi = ((oi * c + ci) * 3 + i) * 3 + j
                y[yi] += ws[wi] * xs[xi]
                dx[xi] += ws[wi] * gs[yi]
                dw[wi] += xs[xi] * gs[yi]
            } } }
        } } } }
        return (y, dx, dw)
    }

    /// Worst |a − r| / (ε·(scale of r)), the error in units of float32 rounding of the result's magnitude.
    func worstError(_ a: [Float], _ r: [Double]) -> Double {
        let scale = max(r.map(abs).max() ?? 1, 1e-30)
        return zip(a, r).map { abs(Double($0) - $1) / scale }.max() ?? 0
    }

    func testForwardAndBothGradientsMatchTheDefinitionOnOddSizes() {
        // (batch, C, O, H, W): odd and even sizes, odd in one direction only, many channels.
        let cases = [(2, 3, 4, 8, 8), (1, 2, 3, 9, 9), (3, 5, 2, 11, 8), (2, 33, 17, 8, 13), (4, 8, 8, 14, 14), (1, 4, 6, 15, 10), (3, 6, 5, 7, 7), (2, 3, 4, 7, 12)]
        for (i, (n, c, o, h, wd)) in cases.enumerated() {
            let x = randn([n, c, h, wd], UInt64(4 * i)).trackingGradient(), w = randn([o, c, 3, 3], UInt64(4 * i + 1)).trackingGradient()
            let dy = randn([n, o, h, wd], UInt64(4 * i + 2))
            let y = x.conv2d(weight: w, padding: 1)
            let g = (y * dy).sum().backward()
            let r = reference(x, w, dy)
            // Winograd adds a few roundings per tile over direct summation: allow 1e-5 of the largest value.
            XCTAssertLessThan(worstError(y.scalars, r.y), 1e-5, "case \(i) output")
            XCTAssertLessThan(worstError(g[x]!.scalars, r.dx), 1e-5, "case \(i) data gradient")
            XCTAssertLessThan(worstError(g[w]!.scalars, r.dw), 1e-5, "case \(i) weight gradient")
        }
    }

    func testAnImagesOutputAndDataGradientDoNotDependOnTheBatchOrThreads() {
        let (n, c, o, h, wd) = (7, 6, 5, 9, 8)
        let x = randn([n, c, h, wd], 90), w = randn([o, c, 3, 3], 91), dy = randn([n, o, h, wd], 92)
        func run(_ x: Tensor, _ dy: Tensor) -> (y: [Float], dx: [Float]) {
            let xt = x.trackingGradient()
            let y = xt.conv2d(weight: w, padding: 1)
            return (y.scalars, (y * dy).sum().backward()[xt]!.scalars)
        }
        let saved = ComputeThreads.count
        defer { ComputeThreads.set(saved) }
        ComputeThreads.set(2)
        let whole = run(x, dy)
        let (xPer, yPer) = (c * h * wd, o * h * wd)
        for threads in [1, 2, 3] {
            ComputeThreads.set(threads)
            for i in [0, 3, 6] {
                let alone = run(Tensor(Array(x.scalars[(i * xPer)..<((i + 1) * xPer)]), shape: [1, c, h, wd]),
                                Tensor(Array(dy.scalars[(i * yPer)..<((i + 1) * yPer)]), shape: [1, o, h, wd]))
                XCTAssertEqual(alone.y, Array(whole.y[(i * yPer)..<((i + 1) * yPer)]), "image \(i) alone, \(threads) threads: output")
                XCTAssertEqual(alone.dx, Array(whole.dx[(i * xPer)..<((i + 1) * xPer)]), "image \(i) alone, \(threads) threads: dx")
            }
        }
    }

    /// The transforms have their own code on the AVX-512 path (rows of at most 32 pixels held in
    /// registers); on every path the CPU supports, forward and both gradients are bitwise those of
    /// the portable path, on widths around the 8-, 16- and 32-pixel boundaries and past them.
    func testEveryKernelPathGivesBitwiseTheSameConvolution() {
        let saved = KernelPath.active
        defer { KernelPath.activate(saved) }
        // (batch, C, O, H, W)
        let cases = [(2, 3, 4, 8, 8), (1, 2, 3, 9, 15), (2, 5, 2, 11, 16), (1, 4, 3, 8, 17), (3, 8, 8, 14, 14),
                     (2, 3, 5, 28, 28), (1, 2, 2, 13, 31), (1, 3, 2, 10, 32), (1, 2, 3, 9, 33), (1, 2, 2, 8, 40),
                     (2, 3, 4, 7, 7), (1, 2, 3, 13, 7), (2, 2, 3, 10, 8), (2, 3, 2, 7, 12), (1, 2, 2, 9, 14),
                     (1, 3, 3, 12, 9)]
        for (i, (n, c, o, h, wd)) in cases.enumerated() {
            let x = randn([n, c, h, wd], UInt64(200 + 3 * i)), w = randn([o, c, 3, 3], UInt64(201 + 3 * i))
            let dy = randn([n, o, h, wd], UInt64(202 + 3 * i))
            func run() -> [[Float]] {
                let (xt, wt) = (x.trackingGradient(), w.trackingGradient())
                let y = xt.conv2d(weight: wt, padding: 1)
                let g = (y * dy).sum().backward()
                return [y.scalars, g[xt]!.scalars, g[wt]!.scalars]
            }
            KernelPath.activate(.generic)
            let portable = run()
            for path in KernelPath.supported where path != .generic {
                KernelPath.activate(path)
                let got = run()
                for (k, what) in ["output", "data gradient", "weight gradient"].enumerated() {
                    XCTAssertEqual(got[k], portable[k], "case \(i) (\(h)×\(wd)) on \(path): \(what)")
                }
            }
        }
    }

    /// The data transforms themselves, on every path against the portable one: V, Ŷ and Y bit for
    /// bit, on every width 7 … 33 (the AVX-512 code's masks and permutes change with it) and odd and
    /// even heights; every value outside the tiles (row padding, the gap between planes) is left
    /// as it was.
    func testEveryKernelPathsTransformsWriteThePortableValuesAndNothingElse() {
        for w in 7...33 {
            for h in [7, 8, 9, 13] {
                let (count, c) = (2, 3), tiles = ((h + 1) / 2) * ((w + 1) / 2), ld = count * tiles + 3
                let plane = c * ld + 5
                let x = randn([count, c, h, w], UInt64(300 + w * 20 + h)).scalars
                let sentinel: Float = -7.25
                func transforms(_ path: KernelPath) -> [[Float]] {
                    var v = [Float](repeating: sentinel, count: 16 * plane), y = [Float](repeating: sentinel, count: x.count)
                    var adj = v
                    let bias: [Float] = [0.5, -1, 2]
                    drift_winograd_input(path.code, x, Int(count), Int(c), Int(h), Int(w), &v, ld, plane)
                    drift_winograd_output_adjoint(path.code, x, Int(count), Int(c), Int(h), Int(w), &adj, ld, plane)
                    drift_winograd_output(path.code, v, Int(count), Int(c), Int(h), Int(w), ld, plane, bias, &y)
                    return [v, adj, y]
                }
                let portable = transforms(.generic)
                for path in KernelPath.supported where path != .generic {
                    let got = transforms(path)
                    for (k, what) in ["input V", "output adjoint", "output Y"].enumerated() {
                        XCTAssertEqual(got[k].map(\.bitPattern), portable[k].map(\.bitPattern), "\(h)×\(w) on \(path): \(what)")
                    }
                }
                XCTAssertEqual(portable[0].filter { $0 == sentinel }.count, 16 * plane - 16 * c * count * tiles, "\(h)×\(w): V outside the tiles")
            }
        }
    }

    func testThe16PlanesOfVAndMFallInDifferentL1Sets() {
        // 128 channels × 208 columns (unet28's 7×7 level) is 26,624 floats: 104 KiB, a multiple of
        // 4 KiB, so unpadded planes would all map to one set.
        for floats in [1, 15, 16, 17, 96, 6_272, 12_544, 26_624, 53_248, 100_352] {
            let stride = ConvPlan.planeStride(floats)
            XCTAssertGreaterThanOrEqual(stride, floats)
            XCTAssertEqual(stride % 16, 0, "\(floats): whole 64-byte lines")
            XCTAssertLessThan(stride - floats, 32, "\(floats): at most one line of padding past the last whole line")
            let sets = Set((0..<16).map { ($0 * stride / 16) % 64 })
            XCTAssertEqual(sets.count, 16, "\(floats) floats per plane: the 16 planes' first lines share L1 sets")
        }
    }
}
