/// Nearest-neighbour upsampling of NCHW feature maps.

extension Tensor {
    /// Repeats every pixel of `self` [N, C, H, W] into a `scale`×`scale` block:
    /// y[n, c, i, j] = x[n, c, i / scale, j / scale]. Backward sums each block.
    public func upsampleNearest(scale: Int = 2) -> Tensor {
        precondition(rank == 4 && scale >= 1, "upsampleNearest: input \(shape) must be [N, C, H, W] and scale \(scale) ≥ 1")
        if scale == 1 { return self }
        let (planes, h, w) = (shape[0] * shape[1], shape[2], shape[3])
        let (ho, wo) = (h * scale, w * scale)
        let out = Tensor(uninitializedShape: [shape[0], shape[1], ho, wo])
        let x = storage.pointer, y = out.storage.pointer
        parallelFor(planes * h, grain: Swift.max(1, parallelGrain / (wo * scale))) { lo, hi in
            for row in lo..<hi {
                let src = x + row * w, dst = y + row * scale * wo
                for j in 0..<w { for s in 0..<scale { dst[j * scale + s] = src[j] } }
                for s in 1..<scale { (dst + s * wo).update(from: dst, count: wo) }
            }
        }
        let inShape = shape
        if !isTracked { return out }
        return Tensor.record("upsampleNearest", out, inputs: [self]) { c in
            let g = Tensor(uninitializedShape: inShape)
            let dy = c.grad.storage.pointer, dx = g.storage.pointer
            parallelFor(planes * h, grain: Swift.max(1, parallelGrain / (wo * scale))) { lo, hi in
                for row in lo..<hi {
                    let src = dy + row * scale * wo, dst = dx + row * w
                    for j in 0..<w {
                        var s: Float = 0
                        for a in 0..<scale { for b in 0..<scale { s += src[a * wo + j * scale + b] } }
                        dst[j] = s
                    }
                }
            }
            return [g]
        }
    }
}
