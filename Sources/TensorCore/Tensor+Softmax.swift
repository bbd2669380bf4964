import Foundation

/// Max reduction, softmax and log-sum-exp along an axis, each one primitive with
/// a fused, numerically stable forward pass (the row maximum is subtracted before
/// exponentiating) and an analytic backward pass.

extension Tensor {
    /// Views the tensor as [outer, n, inner] around `axis`.
    func axisView(_ axis: Int) -> (outer: Int, n: Int, inner: Int) {
        (shape[..<axis].reduce(1, *), shape[axis], shape[(axis + 1)...].reduce(1, *))
    }

    /// Shape with `axis` removed, or set to 1 when `keepDims`.
    func reducedShape(_ axes: Set<Int>, keepDims: Bool) -> [Int] {
        keepDims ? shape.enumerated().map { axes.contains($0.offset) ? 1 : $0.element }
                 : shape.enumerated().filter { !axes.contains($0.offset) }.map(\.element)
    }

    /// Applies `body(base, stride)` to every line along `axis`: `base` points at the line's
    /// first element, consecutive elements are `stride` apart; `line` is the line's index.
    @inline(__always)
    static func forEachLine(outer: Int, n: Int, inner: Int,
                            _ body: (_ line: Int, _ offset: Int, _ stride: Int) -> Void) {
        parallelFor(outer * inner, grain: Swift.max(1, parallelGrain / Swift.max(n, 1))) { lo, hi in
            for line in lo..<hi {
                let o = line / inner, i = line % inner
                body(line, o * n * inner + i, inner)
            }
        }
    }

    // MARK: Max

    /// Maximum over `axes` (all when nil). The gradient flows to the first maximal element.
    public func max(axes: [Int]? = nil, keepDims: Bool = false) -> Tensor {
        let ax = Set((axes ?? Array(0..<rank)).map { Tensor.normalizeAxis($0, rank: rank, op: "max") })
        precondition(ax.allSatisfy { shape[$0] > 0 }, "max: empty axis in shape \(shape)")
        var y = self
        for a in ax.sorted(by: >) { y = y.maxAlong(a) }
        return y.reshaped(reducedShape(ax, keepDims: keepDims))
    }

    /// Maximum over one axis.
    public func max(axis: Int, keepDims: Bool = false) -> Tensor { max(axes: [axis], keepDims: keepDims) }

    /// Minimum over `axes` (all when nil): −Swift.max(−x).
    public func min(axes: [Int]? = nil, keepDims: Bool = false) -> Tensor { -((-self).max(axes: axes, keepDims: keepDims)) }

    /// Minimum over one axis.
    public func min(axis: Int, keepDims: Bool = false) -> Tensor { min(axes: [axis], keepDims: keepDims) }

    /// Max over one axis keeping it as extent 1; records the argmax for the backward pass.
    private func maxAlong(_ axis: Int) -> Tensor {
        let (outer, n, inner) = axisView(axis)
        var outShape = shape; outShape[axis] = 1
        let out = Tensor(uninitializedShape: outShape)
        let p = storage.pointer, o = out.storage.pointer
        let tracked = isTracked
        var argmax = tracked ? [Int32](repeating: 0, count: outer * inner) : []
        argmax.withUnsafeMutableBufferPointer { am in
            nonisolated(unsafe) let am = am
            Tensor.forEachLine(outer: outer, n: n, inner: inner) { line, off, st in
                var best = p[off], bi = 0
                for k in 1..<n where p[off + k * st] > best { best = p[off + k * st]; bi = k }
                o[line] = best
                if tracked { am[line] = Int32(bi) }
            }
        }
        let inShape = shape
        if !isTracked { return out }
        return Tensor.record("max", out, inputs: [self]) { c in
            let g = Tensor.zeros(inShape)
            let gp = g.storage.pointer, cg = c.grad.storage.pointer
            for line in 0..<(outer * inner) {
                let o = line / inner, i = line % inner
                gp[o * n * inner + Int(argmax[line]) * inner + i] = cg[line]
            }
            return [g]
        }
    }

    // MARK: Softmax and log-sum-exp

    /// Softmax along `axis`: yᵢ = exp(xᵢ − m) / Σⱼ exp(xⱼ − m) with m = maxⱼ xⱼ.
    /// Backward: dx = y ⊙ (dy − Σ dy ⊙ y).
    public func softmax(axis: Int = -1) -> Tensor {
        let a = Tensor.normalizeAxis(axis, rank: rank, op: "softmax")
        let (outer, n, inner) = axisView(a)
        let out = Tensor(uninitializedShape: shape)
        Tensor.softmaxKernel(storage.pointer, out.storage.pointer, outer: outer, n: n, inner: inner)
        if !isTracked { return out }
        return Tensor.record("softmax", out, inputs: [self]) { c in
            let g = Tensor(uninitializedShape: out.shape)
            let yp = out.storage.pointer, dy = c.grad.storage.pointer, dx = g.storage.pointer
            Tensor.forEachLine(outer: outer, n: n, inner: inner) { _, off, st in
                var dot: Float = 0
                for k in 0..<n { dot += dy[off + k * st] * yp[off + k * st] }
                for k in 0..<n { let i = off + k * st; dx[i] = yp[i] * (dy[i] - dot) }
            }
            return [g]
        }
    }

    /// Softmax of `x` into `y` (may alias), viewed as [outer, n, inner] along the axis.
    static func softmaxKernel(_ x: UnsafePointer<Float>, _ y: UnsafeMutablePointer<Float>, outer: Int, n: Int, inner: Int) {
        forEachLine(outer: outer, n: n, inner: inner) { _, off, st in
            var m = -Float.infinity
            for k in 0..<n { m = Swift.max(m, x[off + k * st]) }
            var s: Float = 0
            for k in 0..<n { let e = fastExp(x[off + k * st] - m); y[off + k * st] = e; s += e }
            let r = 1 / s
            for k in 0..<n { y[off + k * st] *= r }
        }
    }

    /// log Σⱼ exp(xⱼ) along `axis`, computed as m + log Σ exp(xⱼ − m). Backward: dx = dy · softmax(x).
    public func logSumExp(axis: Int = -1, keepDims: Bool = false) -> Tensor {
        let a = Tensor.normalizeAxis(axis, rank: rank, op: "logSumExp")
        let (outer, n, inner) = axisView(a)
        precondition(n > 0, "logSumExp: empty axis \(axis) in shape \(shape)")
        var keptShape = shape; keptShape[a] = 1
        let out = Tensor(uninitializedShape: keptShape)
        let p = storage.pointer, o = out.storage.pointer
        Tensor.forEachLine(outer: outer, n: n, inner: inner) { line, off, st in
            var m = -Float.infinity
            for k in 0..<n { m = Swift.max(m, p[off + k * st]) }
            if m == -Float.infinity { o[line] = m; return }
            var s: Float = 0
            for k in 0..<n { s += fastExp(p[off + k * st] - m) }
            o[line] = m + Foundation.log(s)
        }
        let reduced = reducedShape([a], keepDims: keepDims)
        if !isTracked { return out.reshaped(reduced) }
        let recorded = Tensor.record("logSumExp", out, inputs: [self]) { c in
            let g = Tensor(uninitializedShape: c.inputs[0].shape)
            let xp = c.inputs[0].storage.pointer, lse = out.storage.pointer, dy = c.grad.storage.pointer, dx = g.storage.pointer
            Tensor.forEachLine(outer: outer, n: n, inner: inner) { line, off, st in
                let l = lse[line], d = dy[line]
                for k in 0..<n { let i = off + k * st; dx[i] = d * fastExp(xp[i] - l) }
            }
            return [g]
        }
        return recorded.reshaped(reduced)
    }
}
