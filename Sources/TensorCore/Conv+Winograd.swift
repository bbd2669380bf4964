import DriftKernels

/// 3×3 convolutions with stride 1 and padding 1 through Winograd F(2×2, 3×3) (Lavin & Gray
/// 2016; transforms in `Sources/DriftKernels/winograd.c`): 16 GEMMs M[ξ] = U[ξ]·V[ξ] of
/// [O × C]·[C × tiles] replace one [O × 9C]·[9C × pixels] GEMM, 2.25× fewer multiplies.
/// The data gradient is the same transform on dY with the flipped, transposed filters
/// (for this geometry conv2d's adjoint in x is a conv2d); the weight gradient is the
/// adjoint in the Winograd domain, dU[ξ] = Σ_tiles (A dY Aᵀ)[ξ]·V[ξ]ᵀ, then dw = Gᵀ dU G.
extension ConvPlan {
    /// Whether `forwardWinograd` / `backwardDataWinograd` / `backwardWeightsWinograd` apply:
    /// 3×3, stride 1, padding 1, on images at least 7×7. Smaller ones take im2col: the 2×2 tiles
    /// waste more (7×7 already needs 16 tiles covering 64 pixels) and the transforms' rows are
    /// short. The 7×7 level was im2col until 2026-12-03: with the transforms then in memory, on
    /// an AMD EPYC Zen 4 (2026-12-01), Winograd there too gave 85–89 unet28 training samples/s
    /// against 94–103; with the in-register transforms and groups of ≥ 196 columns, on an Intel
    /// Xeon family 6 model 207 (2026-12-03), alternating, 6 rounds, it gave 82–109 against 69–92
    /// (1.10–1.32× per round), inference unchanged (274–302 against 262–294).
    var usesWinograd: Bool {
        g.kernelH == 3 && g.kernelW == 3 && g.stride == 1 && g.padding == 1 && Swift.min(g.height, g.width) >= 7
    }

    /// Tiles per image.
    var winogradTiles: Int { ((g.height + 1) / 2) * ((g.width + 1) / 2) }

    /// y [N, O, H, W] = conv(x, w) + bias.
    func forwardWinograd(_ x: UnsafePointer<Float>, _ w: UnsafePointer<Float>, _ bias: UnsafePointer<Float>?,
                         _ y: UnsafeMutablePointer<Float>) {
        Self.winograd(x, filters: w, batch: batch, inC: g.channels, outC: outChannels, h: g.height, w: g.width, bias: bias, y)
    }

    /// dx [N, C, H, W] = conv(dy, w̃) with w̃[c, o, i, j] = w[o, c, 2 − i, 2 − j].
    func backwardDataWinograd(_ w: UnsafePointer<Float>, _ dy: UnsafePointer<Float>, _ dx: UnsafeMutablePointer<Float>) {
        let (o, c) = (outChannels, g.channels)
        ScratchPool.shared.with(o * c * 9) { flipped in
            for oc in 0..<o {
                for ic in 0..<c {
                    let src = w + (oc * c + ic) * 9, dst = flipped + (ic * o + oc) * 9
                    for k in 0..<9 { dst[k] = src[8 - k] }
                }
            }
            Self.winograd(dy, filters: flipped, batch: batch, inC: o, outC: c, h: g.height, w: g.width, bias: nil, dx)
        }
    }

    /// dw [O, C, 3, 3] = ∂L/∂w for the forward conv of x with output gradient dy, summed over the
    /// batch: one partial dU per image group, added in group order (`sumPartials`), so the sum is
    /// the same for any thread count.
    func backwardWeightsWinograd(_ x: UnsafePointer<Float>, _ dy: UnsafePointer<Float>, _ dw: UnsafeMutablePointer<Float>) {
        let (inC, outC, h, w) = (g.channels, outChannels, g.height, g.width)
        let layout = Self.groups(batch: batch, tiles: winogradTiles)
        let pool = ScratchPool.shared
        let columns = layout.group * winogradTiles
        let accSize = 16 * outC * inC
        let (vSize, mSize) = (16 * Self.planeStride(inC * columns), 16 * Self.planeStride(outC * columns))
        let scratch = (0..<(layout.parallel ? ComputeThreads.count : 1)).map { _ in pool.take(vSize + mSize) }
        let partials = pool.take(layout.groups * accSize), total = pool.take(accSize)
        defer { scratch.forEach(pool.give); pool.give(partials); pool.give(total) }
        let (inSize, outSize) = (inC * h * w, outC * h * w)
        func run(_ task: Int, _ k: Int) {
            let first = k * layout.group, count = Swift.min(layout.group, batch - first)
            let t = count * winogradTiles
            let (vp, mp) = (Self.planeStride(inC * t), Self.planeStride(outC * t))
            let v = scratch[task].pointer, m = v + vSize, acc = partials.pointer + k * accSize
            drift_winograd_input(KernelPath.active.code, x + first * inSize, count, inC, h, w, v, t, vp)
            drift_winograd_output_adjoint(KernelPath.active.code, dy + first * outSize, count, outC, h, w, m, t, mp)
            for xi in 0..<16 {
                gemmMaybeSplit(split: !layout.parallel, false, true, outC, inC, t, 1, UnsafePointer(m + xi * mp), t,
                               UnsafePointer(v + xi * vp), t, 0, acc + xi * outC * inC, inC)
            }
        }
        if layout.parallel {
            parallelTasks(layout.groups) { task, lo, hi in for k in lo..<hi { run(task, k) } }
        } else {
            for k in 0..<layout.groups { run(0, k) }
        }
        sumPartials(UnsafePointer(partials.pointer), count: layout.groups, size: accSize, into: total.pointer)
        drift_winograd_filter_adjoint(total.pointer, outC, inC, dw)
    }

    /// Images per Winograd group (≥ 196 GEMM columns: one 28×28 image, four 14×14 ones) — a
    /// function of the batch and image size alone, not of the thread count, since the weight
    /// gradient is summed per group — and whether groups run side by side on the workers.
    /// Measured on unet28 (2026-12-03, Intel Xeon family 6 model 207), alternating:
    /// groups of ≥ 196 columns ran 411 inference samples·NFE/s and 129 training samples/s
    /// (medians of 3) against 385 and 122 with ≥ 512 columns, 390–406 with 147 or 392.
    static func groups(batch: Int, tiles: Int) -> (group: Int, groups: Int, parallel: Bool) {
        let threads = ComputeThreads.count
        let group = Swift.max(1, Swift.min(batch, (196 + tiles - 1) / tiles))
        let groups = (batch + group - 1) / group
        return (group, groups, groups >= threads && threads > 1)
    }

    /// The stride between the 16 planes of V or M holding `floats` values each: an odd number of
    /// 64-byte lines (`drift_winograd_plane_stride`). The transforms read or write all 16 planes
    /// at once; with a stride of a multiple of 4 KiB (e.g. 128 channels × 208 columns, unet28's 7×7
    /// level) all 16 fall in one set of the L1 cache, which holds 12 lines per set here (Intel
    /// Xeon family 6 model 207, 48 KiB), and every access misses. Measured on that CPU, the input
    /// transform of 128 channels of 7×7 images took 67 ns per tile row and channel before, 18–21
    /// after (scratch harness, one thread); values are unchanged (only the layout moves).
    static func planeStride(_ floats: Int) -> Int { drift_winograd_plane_stride(floats) }

    /// The Winograd convolution of `x` [batch, inC, h, w] with `filters` [outC, inC, 3, 3].
    private static func winograd(_ x: UnsafePointer<Float>, filters: UnsafePointer<Float>, batch: Int, inC: Int, outC: Int,
                                 h: Int, w: Int, bias: UnsafePointer<Float>?, _ y: UnsafeMutablePointer<Float>) {
        let tiles = ((h + 1) / 2) * ((w + 1) / 2)
        let threads = ComputeThreads.count
        let (group, groups, parallel) = Self.groups(batch: batch, tiles: tiles)
        let pool = ScratchPool.shared
        let u = pool.take(16 * outC * inC)
        defer { pool.give(u) }
        drift_winograd_filter(filters, outC, inC, u.pointer)
        let columns = group * tiles
        let (vSize, mSize) = (16 * planeStride(inC * columns), 16 * planeStride(outC * columns))
        let scratch = (0..<(parallel ? threads : 1)).map { _ in pool.take(vSize + mSize) }
        defer { scratch.forEach(pool.give) }
        let (inSize, outSize) = (inC * h * w, outC * h * w)
        let up = UnsafePointer(u.pointer)
        func run(_ task: Int, _ k: Int) {
            let first = k * group, count = Swift.min(group, batch - first)
            let t = count * tiles
            let (vp, mp) = (planeStride(inC * t), planeStride(outC * t))
            let v = scratch[task].pointer, m = v + vSize
            drift_winograd_input(KernelPath.active.code, x + first * inSize, count, inC, h, w, v, t, vp)
            for xi in 0..<16 {
                gemmMaybeSplit(split: !parallel, false, false, outC, t, inC, 1, up + xi * outC * inC, inC,
                               UnsafePointer(v + xi * vp), t, 0, m + xi * mp, t)
            }
            drift_winograd_output(KernelPath.active.code, m, count, outC, h, w, t, mp, bias, y + first * outSize)
        }
        if parallel {
            parallelTasks(groups) { task, lo, hi in for k in lo..<hi { run(task, k) } }
        } else {
            for k in 0..<groups { run(0, k) }
        }
    }
}
