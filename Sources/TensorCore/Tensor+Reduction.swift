/// Reductions over axes (sum, mean) and their VJP rules.

extension Tensor {
    /// Sum over one axis, viewing the tensor as [outer, n, inner] (no tape).
    static func sumAxisKernel(_ x: Tensor, axis: Int) -> Tensor {
        let n = x.shape[axis]
        let outer = x.shape[..<axis].reduce(1, *), inner = x.shape[(axis + 1)...].reduce(1, *)
        var outShape = x.shape; outShape[axis] = 1
        let out = Tensor(uninitializedShape: outShape)
        let p = x.storage.pointer, o = out.storage.pointer
        if inner == 1 {
            parallelFor(outer, grain: Swift.max(1, parallelGrain / Swift.max(n, 1))) { lo, hi in
                for r in lo..<hi {
                    // Pairwise-ish: 8 partial sums for accuracy and vectorization.
                    var acc = SIMD8<Float>()
                    let base = p + r * n
                    var i = 0
                    while i + 8 <= n {
                        acc += UnsafeRawPointer(base + i).loadUnaligned(as: SIMD8<Float>.self)
                        i += 8
                    }
                    var s = acc.sum()
                    while i < n { s += base[i]; i += 1 }
                    o[r] = s
                }
            }
        } else {
            parallelFor(outer * inner, grain: Swift.max(1, parallelGrain / Swift.max(n, 1))) { lo, hi in
                // Rows of the output grouped by outer index for contiguous inner loops.
                var idx = lo
                while idx < hi {
                    let r = idx / inner, j0 = idx % inner
                    let j1 = Swift.min(inner, j0 + (hi - idx))
                    let dst = o + r * inner
                    let src = p + r * n * inner
                    for j in j0..<j1 { dst[j] = 0 }
                    for k in 0..<n {
                        let row = src + k * inner
                        for j in j0..<j1 { dst[j] += row[j] }
                    }
                    idx += j1 - j0
                }
            }
        }
        return out
    }

    /// Sum over `axes` (all axes when nil), keeping reduced axes as extent 1 when `keepDims`.
    public func sum(axes: [Int]? = nil, keepDims: Bool = false) -> Tensor {
        let ax = Set((axes ?? Array(0..<rank)).map { Tensor.normalizeAxis($0, rank: rank, op: "sum") })
        var y = self.detached
        let sorted = ax.sorted()
        if let first = sorted.first, sorted.count > 1, sorted.last! - first == sorted.count - 1 {
            // Adjacent axes (e.g. H, W of NCHW): one pass over the merged axis.
            let merged = Array(shape[..<first]) + [sorted.reduce(1) { $0 * shape[$1] }] + Array(shape[(sorted.last! + 1)...])
            y = Tensor.sumAxisKernel(y.reshaped(merged), axis: first)
        } else {
            for a in ax.sorted(by: >) where shape[a] != 1 { y = Tensor.sumAxisKernel(y, axis: a) }
        }
        var kept = shape
        for a in ax { kept[a] = 1 }
        let finalShape = keepDims ? kept : shape.enumerated().filter { !ax.contains($0.offset) }.map(\.element)
        y = Tensor(shape: finalShape, storage: y.storage)
        let inShape = shape
        if !isTracked { return y }
        return Tensor.record("sum", y, inputs: [self], composable: true) { c in
            [c.grad.reshaped(kept).broadcast(to: inShape)]
        }
    }

    /// Sum over one axis.
    public func sum(axis: Int, keepDims: Bool = false) -> Tensor { sum(axes: [axis], keepDims: keepDims) }

    /// Mean over `axes` (all when nil).
    public func mean(axes: [Int]? = nil, keepDims: Bool = false) -> Tensor {
        let ax = (axes ?? Array(0..<rank)).map { Tensor.normalizeAxis($0, rank: rank, op: "mean") }
        let n = Set(ax).reduce(1) { $0 * shape[$1] }
        return sum(axes: ax, keepDims: keepDims) * (1 / Float(Swift.max(n, 1)))
    }

    /// Mean over one axis.
    public func mean(axis: Int, keepDims: Bool = false) -> Tensor { mean(axes: [axis], keepDims: keepDims) }

    /// Population variance over `axes` (all when nil): mean((x − mean x)²).
    public func variance(axes: [Int]? = nil, keepDims: Bool = false) -> Tensor {
        let m = mean(axes: axes, keepDims: true)
        return (self - m).square().mean(axes: axes, keepDims: keepDims)
    }

    /// Broadcasts to `target` (NumPy rules), materializing the result (no temporary operand).
    public func broadcast(to target: [Int]) -> Tensor {
        if shape == target { return self }
        let b = Tensor.broadcastShape(shape, target, op: "broadcast")
        precondition(b == target, "broadcast: shape \(shape) cannot be broadcast to \(target)")
        let plan = BroadcastPlan(shape, target, op: "broadcast")
        let out = Tensor(uninitializedShape: target)
        let px = storage.pointer, po = out.storage.pointer
        let inner = plan.inner, sx = plan.innerStrideA
        parallelFor(plan.outerCount, grain: Swift.max(1, parallelGrain / Swift.max(inner, 1))) { lo, hi in
            for row in lo..<hi {
                let src = px + plan.offsets(row: row).0, dst = po + row * inner
                if sx == 1 { dst.update(from: src, count: inner) } else { dst.update(repeating: src[0], count: inner) }
            }
        }
        let inShape = shape
        if !isTracked { return out }
        return Tensor.record("broadcast", out, inputs: [self], composable: true) { c in [c.grad.sumToShape(inShape)] }
    }
}
