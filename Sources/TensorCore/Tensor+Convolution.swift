/// 2-D convolution (cross-correlation, as in PyTorch's `conv2d`) through im2col + GEMM, or,
/// for 3×3 kernels with stride 1 and padding 1 on images at least 7×7, Winograd F(2×2, 3×3)
/// (`Conv+Winograd.swift`).
///
///     y[n, o, oy, ox] = b[o] + Σ_{c,i,j} w[o, c, i, j] · x[n, c, oy·s − p + i, ox·s − p + j]
///
/// Per group of images: col = im2col(x) [C·kh·kw, P], y = W [O, C·kh·kw] · col.
/// Backward: dW = Σ dY · colᵀ, db = Σ dY, dcol = Wᵀ · dY, dx = col2im(dcol).
///
/// Speed: images are split between Drift's worker threads, each running a
/// single-threaded `sgemm` on its own images, so the column matrix of one group
/// stays in that core's cache (one big GEMM over the whole batch streams the
/// column matrix through DRAM and runs ~40% slower here). Small images are grouped so each GEMM has a few hundred columns. 1×1 stride-1
/// convolutions skip im2col. Scratch buffers come from a pool.

extension Tensor {
    /// 2-D convolution of `input` [N, C, H, W] with `weight` [O, C, kh, kw] and optional
    /// `bias` [O]; zero padding `padding` on every side; output [N, O, Ho, Wo] with
    /// Ho = (H + 2p − kh)/s + 1.
    public static func conv2d(_ input: Tensor, weight: Tensor, bias: Tensor? = nil,
                              stride: Int = 1, padding: Int = 0) -> Tensor {
        precondition(input.rank == 4 && weight.rank == 4 && input.shape[1] == weight.shape[1],
                     "conv2d: input \(input.shape) and weight \(weight.shape) must be [N, C, H, W] and [O, C, kh, kw] with equal C")
        precondition(stride >= 1 && padding >= 0, "conv2d: stride \(stride) must be ≥ 1 and padding \(padding) ≥ 0")
        let (n, o) = (input.shape[0], weight.shape[0])
        if let bias { precondition(bias.shape == [o], "conv2d: bias \(bias.shape) must be [\(o)] for weight \(weight.shape)") }
        let g = ConvGeometry(channels: input.shape[1], height: input.shape[2], width: input.shape[3],
                             kernelH: weight.shape[2], kernelW: weight.shape[3], stride: stride, padding: padding)
        precondition(g.outH > 0 && g.outW > 0,
                     "conv2d: kernel \(weight.shape) with padding \(padding) does not fit input \(input.shape)")
        let out = Tensor(uninitializedShape: [n, o, g.outH, g.outW])
        let plan = ConvPlan(g, batch: n, outChannels: o)
        if plan.usesWinograd {
            plan.forwardWinograd(input.storage.pointer, weight.storage.pointer, bias?.storage.pointer, out.storage.pointer)
        } else {
            plan.forward(input.storage.pointer, weight.storage.pointer, bias?.storage.pointer, out.storage.pointer)
        }
        let inputs = bias.map { [input, weight, $0] } ?? [input, weight]
        if !inputs.contains(where: \.isTracked) { return out }
        return record("conv2d", out, inputs: inputs) { c in
            let plan = ConvPlan(g, batch: n, outChannels: o)
            let dx = c.needs[0] ? Tensor(uninitializedShape: c.inputs[0].shape) : nil
            let dw = c.needs[1] ? Tensor(uninitializedShape: c.inputs[1].shape) : nil
            let db = c.needs.count > 2 && c.needs[2] ? Tensor(uninitializedShape: [o]) : nil
            let (x, w, dy) = (c.inputs[0].storage.pointer, c.inputs[1].storage.pointer, c.grad.storage.pointer)
            if let db { plan.biasGradient(dy, db.storage.pointer) }
            if plan.usesWinograd {
                if let dw { plan.backwardWeightsWinograd(x, dy, dw.storage.pointer) }
                if let dx { plan.backwardDataWinograd(w, dy, dx.storage.pointer) }
            } else if dx != nil || dw != nil {
                plan.backward(x, w, dy, dx: dx?.storage.pointer, dw: dw?.storage.pointer)
            }
            return [dx, dw, db].prefix(c.inputs.count).map { $0 }
        }
    }

    /// `Tensor.conv2d(self, weight:bias:stride:padding:)`.
    public func conv2d(weight: Tensor, bias: Tensor? = nil, stride: Int = 1, padding: Int = 0) -> Tensor {
        Tensor.conv2d(self, weight: weight, bias: bias, stride: stride, padding: padding)
    }
}

/// How one convolution call is split into image groups and worker tasks.
struct ConvPlan {
    let g: ConvGeometry
    let batch: Int, outChannels: Int
    /// Images per GEMM (so that group·pixels is at least a few hundred columns).
    let group: Int
    var groups: Int { (batch + group - 1) / group }
    var inSize: Int { g.channels * g.height * g.width }
    var outSize: Int { outChannels * g.pixels }

    init(_ g: ConvGeometry, batch: Int, outChannels: Int) {
        self.g = g
        self.batch = batch
        self.outChannels = outChannels
        // A function of the geometry and batch alone, never of the thread count: the weight
        // gradient is summed per group, so its groups must be the same for any thread count.
        self.group = Swift.max(1, Swift.min(batch, (384 + g.pixels - 1) / g.pixels))
    }

    /// Whether groups run side by side on the workers (each with `sgemmSerial`); with fewer
    /// groups than threads they run in order and each GEMM is split instead.
    var sampleParallel: Bool { groups >= ComputeThreads.count }

    /// The GEMM to call inside a group: serial when groups run side by side, else split.
    @inline(__always)
    func gemm(_ transA: Bool, _ transB: Bool, _ m: Int, _ n: Int, _ k: Int, _ alpha: Float,
              _ a: UnsafePointer<Float>, _ lda: Int, _ b: UnsafePointer<Float>, _ ldb: Int, _ beta: Float,
              _ c: UnsafeMutablePointer<Float>, _ ldc: Int) {
        gemmMaybeSplit(split: !sampleParallel, transA, transB, m, n, k, alpha, a, lda, b, ldb, beta, c, ldc)
    }

    /// Runs `body(task, firstImage, imageCount)` over the groups; tasks own disjoint images.
    func forEachGroup(_ body: (_ task: Int, _ first: Int, _ count: Int) -> Void) -> Int {
        if !sampleParallel {
            for k in 0..<groups { body(0, k * group, Swift.min(group, batch - k * group)) }
            return 1
        }
        return parallelTasks(groups) { task, lo, hi in
            for k in lo..<hi { body(task, k * group, Swift.min(group, batch - k * group)) }
        }
    }

    /// Gathers images [first, first+count) of x (per image [rows, cols]) into a [rows, count·cols] matrix.
    @inline(__always)
    static func gather(_ x: UnsafePointer<Float>, rows: Int, cols: Int, count: Int, into m: UnsafeMutablePointer<Float>) {
        for j in 0..<count {
            for r in 0..<rows { (m + r * count * cols + j * cols).update(from: x + (j * rows + r) * cols, count: cols) }
        }
    }

    /// The [C·kh·kw, count·P] column matrix of `count` images starting at `xg`: the images
    /// themselves for a single pointwise image, else built in `scratch`.
    func columns(_ xg: UnsafePointer<Float>, count: Int, scratch col: UnsafeMutablePointer<Float>) -> UnsafePointer<Float> {
        let p = g.pixels
        if g.isPointwise {
            if count == 1 { return xg }
            ConvPlan.gather(xg, rows: g.channels, cols: p, count: count, into: col)
        } else {
            for j in 0..<count { g.im2col(xg + j * inSize, col + j * p, ld: count * p) }
        }
        return UnsafePointer(col)
    }

    func forward(_ x: UnsafePointer<Float>, _ w: UnsafePointer<Float>, _ bias: UnsafePointer<Float>?,
                 _ y: UnsafeMutablePointer<Float>) {
        let (k, p, o) = (g.patch, g.pixels, outChannels)
        let colSize = g.isPointwise && group == 1 ? 0 : k * group * p
        let tmpSize = group == 1 ? 0 : o * group * p
        let pool = ScratchPool.shared
        let scratch = (0..<ComputeThreads.count).map { _ in pool.take(Swift.max(1, colSize + tmpSize)) }
        defer { scratch.forEach(pool.give) }
        _ = forEachGroup { task, first, count in
            let cols = count * p
            let col = scratch[task].pointer, tmp = col + colSize
            let xg = x + first * inSize
            let bMatrix = columns(xg, count: count, scratch: col)
            let yg = y + first * outSize
            let c = count == 1 ? yg : tmp
            gemm(false, false, o, cols, k, 1, w, k, bMatrix, cols, 0, c, cols)
            // Scatter [O, count·P] into [count, O, P], adding the bias.
            for j in 0..<count {
                for oc in 0..<o {
                    let src = c + oc * cols + j * p, dst = yg + j * outSize + oc * p
                    let b = bias?[oc] ?? 0
                    if count == 1 {
                        if bias != nil { for q in 0..<p { dst[q] += b } }
                    } else {
                        for q in 0..<p { dst[q] = src[q] + b }
                    }
                }
            }
        }
    }

    func backward(_ x: UnsafePointer<Float>, _ w: UnsafePointer<Float>, _ dy: UnsafePointer<Float>,
                  dx: UnsafeMutablePointer<Float>?, dw: UnsafeMutablePointer<Float>?) {
        let (k, p, o) = (g.patch, g.pixels, outChannels)
        let needCol = dw != nil && !(g.isPointwise && group == 1)
        let needDcol = dx != nil && !(g.isPointwise && group == 1)
        let colSize = needCol ? k * group * p : 0
        let dcolSize = needDcol ? k * group * p : 0
        let dySize = group == 1 ? 0 : o * group * p
        let accSize = dw != nil ? o * k : 0
        let tasks = ComputeThreads.count
        let pool = ScratchPool.shared
        let scratch = (0..<tasks).map { _ in pool.take(Swift.max(1, colSize + dcolSize + dySize)) }
        // One partial weight gradient per image group, so the sum over groups has one order.
        let partials = pool.take(Swift.max(1, groups * accSize))
        defer { scratch.forEach(pool.give); pool.give(partials) }
        _ = forEachGroup { task, first, count in
            let cols = count * p
            let base = scratch[task].pointer
            let col = base, dcol = base + colSize, dyg = base + colSize + dcolSize
            let dwAcc = partials.pointer + (first / group) * accSize
            let xg = x + first * inSize
            // dY of the group as an [O, count·P] matrix.
            let dyMatrix: UnsafePointer<Float>
            if count == 1 { dyMatrix = dy + first * outSize } else {
                ConvPlan.gather(dy + first * outSize, rows: o, cols: p, count: count, into: dyg); dyMatrix = UnsafePointer(dyg)
            }
            if dw != nil {
                let colMatrix = columns(xg, count: count, scratch: col)
                gemm(false, true, o, k, cols, 1, dyMatrix, cols, colMatrix, cols, 0, dwAcc, k)
            }
            if let dx {
                let dxg = dx + first * inSize
                if g.isPointwise && count == 1 {
                    gemm(true, false, k, cols, o, 1, w, k, dyMatrix, cols, 0, dxg, cols)
                } else {
                    gemm(true, false, k, cols, o, 1, w, k, dyMatrix, cols, 0, dcol, cols)
                    if g.isPointwise {
                        for j in 0..<count {
                            for r in 0..<k { (dxg + (j * k + r) * p).update(from: dcol + r * cols + j * p, count: p) }
                        }
                    } else {
                        if g.centreCoversImage {
                            for j in 0..<count { g.col2imStore(dcol + j * p, ld: cols, dxg + j * inSize) }
                        } else {
                            dxg.update(repeating: 0, count: count * inSize)
                            for j in 0..<count { g.col2imAdd(dcol + j * p, ld: cols, dxg + j * inSize) }
                        }
                    }
                }
            }
        }
        if let dw { sumPartials(UnsafePointer(partials.pointer), count: groups, size: accSize, into: dw) }
    }

    /// out[i] = Σ_g partials[g·size + i] over g = 0 ..< count, added in g order for every i
    /// (split between workers by i, so the sums are the same for any thread count).
    func sumPartials(_ partials: UnsafePointer<Float>, count: Int, size: Int, into out: UnsafeMutablePointer<Float>) {
        out.update(from: partials, count: size)
        parallelFor(size, grain: Swift.max(1, parallelGrain / Swift.max(count, 1))) { lo, hi in
            for g in 1..<Swift.max(count, 1) {
                let src = partials + g * size
                for i in lo..<hi { out[i] += src[i] }
            }
        }
    }

    /// db [O] = Σ over images and pixels of dy [N, O, H', W']: each image's channel summed with 8
    /// partial sums (`sumKernel`), those sums then added over the images in order — one fixed
    /// order whatever the thread count. (It was one serial chain per channel and group of
    /// images, plus a copy of dY when groups held several images: 2.1% of a unet28 training
    /// step on Intel model 207, the copy 0.6% more.)
    func biasGradient(_ dy: UnsafePointer<Float>, _ db: UnsafeMutablePointer<Float>) {
        let (n, o, p) = (batch, outChannels, g.pixels)
        ScratchPool.shared.with(n * o) { sums in
            nonisolated(unsafe) let sums = sums
            parallelFor(n * o, grain: Swift.max(1, parallelGrain / Swift.max(p, 1))) { lo, hi in
                for r in lo..<hi { sums[r] = sumKernel(dy + r * p, p) }
            }
            for oc in 0..<o {
                var s: Float = 0
                for i in 0..<n { s += sums[i * o + oc] }
                db[oc] = s
            }
        }
    }
}
