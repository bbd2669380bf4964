import DriftKernels

/// Group normalization (Wu & He 2018, "Group Normalization"), optionally fused with SiLU,
/// as one primitive: a fused forward pass and an analytic backward pass.
///
/// For x [N, C, *] split into G groups of C/G channels, with μ, σ² the mean and
/// (biased) variance of each (n, group) over its channels and positions,
///
///     x̂ = (x − μ)·r,  r = 1/√(σ² + ε),   z = γ_c·x̂ + β_c,   y = z  (or z·sigmoid(z) when fused)
///
/// Backward, with dz the cotangent of z and M the group size:
///
///     dβ_c = Σ dz,  dγ_c = Σ dz·x̂,
///     dx = r·(γ_c·dz − mean(γ·dz) − x̂·mean(γ·dz·x̂))
///
/// computed per (n, c) from s₁ = Σ dz and s₂ = Σ dz·x (two passes over memory).
/// Statistics are accumulated in Float with 8 partial sums (groups here hold a few
/// thousand elements); the variance is the two-pass E[(x − μ)²], not E[x²] − μ². The two
/// elementwise passes that carry the SiLU run in C (`drift_affine_silu`, 16 lanes on AVX-512),
/// with the same bits on every kernel path.

extension Tensor {
    /// Group normalization of `self` [N, C, *] with `groups` groups, per-channel affine
    /// `weight` γ [C] and `bias` β [C] (identity when nil), followed by SiLU when `silu`.
    public func groupNorm(groups: Int, weight: Tensor?, bias: Tensor?, eps: Float = 1e-5, silu: Bool = false) -> Tensor {
        precondition(rank >= 2, "groupNorm: input \(shape) must be [N, C, …]")
        let (n, ch) = (shape[0], shape[1])
        precondition(groups > 0 && ch % groups == 0, "groupNorm: \(ch) channels of input \(shape) do not split into \(groups) groups")
        if let weight { precondition(weight.shape == [ch], "groupNorm: weight \(weight.shape) must be [\(ch)] for input \(shape)") }
        if let bias { precondition(bias.shape == [ch], "groupNorm: bias \(bias.shape) must be [\(ch)] for input \(shape)") }
        let spatial = count / Swift.max(1, n * ch)
        let cg = ch / groups, m = cg * spatial
        let out = Tensor(uninitializedShape: shape)
        var mean = [Float](repeating: 0, count: n * groups), rstd = mean
        let x = storage.pointer, y = out.storage.pointer
        let gamma = weight?.storage.pointer, beta = bias?.storage.pointer
        let path = KernelPath.active.code
        mean.withUnsafeMutableBufferPointer { mu in rstd.withUnsafeMutableBufferPointer { rs in
            nonisolated(unsafe) let (mu, rs) = (mu, rs)
            parallelFor(n * groups, grain: Swift.max(1, parallelGrain / Swift.max(m, 1))) { lo, hi in
                for ng in lo..<hi {
                    let base = x + ng * m
                    let mean = sumKernel(base, m) / Float(m)
                    let variance = squaredDeviationKernel(base, m, mean) / Float(m)
                    let r = 1 / (variance + eps).squareRoot()
                    mu[ng] = mean; rs[ng] = r
                    let c0 = (ng % groups) * cg
                    for cc in 0..<cg {
                        let c = c0 + cc
                        let a = r * (gamma?[c] ?? 1), b = (beta?[c] ?? 0) - mean * a
                        let src = base + cc * spatial, dst = y + ng * m + cc * spatial
                        drift_affine_silu(path, src, spatial, a, b, silu ? 1 : 0, dst)
                    }
                }
            }
        } }
        var inputs = [self]
        if let weight { inputs.append(weight) }
        if let bias { inputs.append(bias) }
        let hasWeight = weight != nil, hasBias = bias != nil
        if !inputs.contains(where: \.isTracked) { return out }
        return Tensor.record(silu ? "groupNormSiLU" : "groupNorm", out, inputs: inputs) { c in
            let xin = c.inputs[0]
            let gammaT = hasWeight ? c.inputs[1] : nil
            let betaT = hasBias ? c.inputs[hasWeight ? 2 : 1] : nil
            let needsParams = c.needs.dropFirst().contains(true)
            let path = KernelPath.active.code
            let dx = Tensor(uninitializedShape: xin.shape)
            var s1 = [Float](repeating: 0, count: n * ch), s2 = s1   // per (n, c): Σ dz, Σ dz·x
            let xp = xin.storage.pointer, dy = c.grad.storage.pointer, dxp = dx.storage.pointer
            let gp = gammaT?.storage.pointer, bp = betaT?.storage.pointer
            s1.withUnsafeMutableBufferPointer { s1 in s2.withUnsafeMutableBufferPointer { s2 in
                nonisolated(unsafe) let (s1, s2) = (s1, s2)
                parallelFor(n * groups, grain: Swift.max(1, parallelGrain / Swift.max(m, 1))) { lo, hi in
                    for ng in lo..<hi {
                        let (mu, r) = (mean[ng], rstd[ng])
                        let c0 = (ng % groups) * cg, nIndex = ng / groups
                        var m1: Float = 0, m2: Float = 0
                        for cc in 0..<cg {
                            let ch0 = c0 + cc
                            let off = ng * m + cc * spatial
                            let xs = xp + off, g = dy + off, d = dxp + off
                            let a: Float, b: Float
                            if silu {
                                // dz = dy·σ(z)(1 + z(1 − σ(z))), stored in dx for the second pass.
                                let ga = r * (gp?[ch0] ?? 1), gb = (bp?[ch0] ?? 0) - mu * ga
                                drift_affine_silu_grad(path, xs, g, spatial, ga, gb, d)
                                a = sumKernel(d, spatial); b = dotKernel(d, xs, spatial)
                            } else {
                                a = sumKernel(g, spatial); b = dotKernel(g, xs, spatial)
                            }
                            s1[nIndex * ch + ch0] = a; s2[nIndex * ch + ch0] = b
                            let gamma = gp?[ch0] ?? 1
                            m1 += gamma * a
                            m2 += gamma * r * (b - mu * a)
                        }
                        m1 /= Float(m); m2 /= Float(m)
                        let bx = -r * r * m2, cx = r * (r * m2 * mu - m1)
                        for cc in 0..<cg {
                            let off = ng * m + cc * spatial
                            let ax = r * (gp?[c0 + cc] ?? 1)
                            let xs = xp + off, d = dxp + off
                            let src: UnsafePointer<Float> = silu ? UnsafePointer(d) : UnsafePointer(dy + off)
                            for i in 0..<spatial { d[i] = ax * src[i] + bx * xs[i] + cx }
                        }
                    }
                }
            } }
            var grads: [Tensor?] = [c.needs[0] ? dx : nil]
            if needsParams {
                var dgamma = [Float](repeating: 0, count: ch), dbeta = dgamma
                for ni in 0..<n {
                    for ci in 0..<ch {
                        let ng = ni * groups + ci / cg
                        dbeta[ci] += s1[ni * ch + ci]
                        dgamma[ci] += rstd[ng] * (s2[ni * ch + ci] - mean[ng] * s1[ni * ch + ci])
                    }
                }
                if hasWeight { grads.append(Tensor(dgamma, shape: [ch])) }
                if hasBias { grads.append(Tensor(dbeta, shape: [ch])) }
            } else {
                grads += [Tensor?](repeating: nil, count: c.inputs.count - 1)
            }
            return grads
        }
    }
}

/// Σ p[0..<n] with 8 partial sums (vectorizes; more accurate than one running sum).
@inline(__always)
func sumKernel(_ p: UnsafePointer<Float>, _ n: Int) -> Float {
    var acc = SIMD8<Float>()
    var i = 0
    while i + 8 <= n { acc += UnsafeRawPointer(p + i).loadUnaligned(as: SIMD8<Float>.self); i += 8 }
    var s = acc.sum()
    while i < n { s += p[i]; i += 1 }
    return s
}

/// Σ (p[i] − mean)² with 8 partial sums.
@inline(__always)
func squaredDeviationKernel(_ p: UnsafePointer<Float>, _ n: Int, _ mean: Float) -> Float {
    var acc = SIMD8<Float>()
    let m = SIMD8<Float>(repeating: mean)
    var i = 0
    while i + 8 <= n {
        let d = UnsafeRawPointer(p + i).loadUnaligned(as: SIMD8<Float>.self) - m
        acc += d * d
        i += 8
    }
    var s = acc.sum()
    while i < n { let d = p[i] - mean; s += d * d; i += 1 }
    return s
}

/// Σ a[i]·b[i] with 8 partial sums.
@inline(__always)
func dotKernel(_ a: UnsafePointer<Float>, _ b: UnsafePointer<Float>, _ n: Int) -> Float {
    var acc = SIMD8<Float>()
    var i = 0
    while i + 8 <= n {
        acc += UnsafeRawPointer(a + i).loadUnaligned(as: SIMD8<Float>.self) * UnsafeRawPointer(b + i).loadUnaligned(as: SIMD8<Float>.self)
        i += 8
    }
    var s = acc.sum()
    while i < n { s += a[i] * b[i]; i += 1 }
    return s
}
