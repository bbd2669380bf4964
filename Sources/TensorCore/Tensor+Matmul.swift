import DriftKernels

/// Matrix products through Drift's own GEMM kernels (`Sources/DriftKernels`, `KernelPath`).

/// C[m×n] = alpha·op(A)·op(B) + beta·C on raw row-major buffers, split across
/// `ComputeThreads.count` workers by rows (or columns) of C when large enough.
/// Requires alpha = 1 or beta = 0. Each element of C is one fused multiply-add chain
/// over k in order, so the split never changes the result.
/// With an `epilogue` (alpha = 1, beta = 0 only), each finished element of C also gets its bias,
/// addend and activation (`GEMMEpilogue`) while its tile is in cache.
public func sgemm(transA: Bool, transB: Bool, m: Int, n: Int, k: Int, alpha: Float = 1,
                  a: UnsafePointer<Float>, lda: Int, b: UnsafePointer<Float>, ldb: Int,
                  beta: Float = 0, c: UnsafeMutablePointer<Float>, ldc: Int, epilogue: GEMMEpilogue? = nil) {
    let threads = ComputeThreads.count
    // ~2 MFLOP per worker at least (a split costs a few µs of packing and dispatch).
    let tasks = Swift.min(threads, m * n * k / (1 << 20))
    if tasks <= 1 {
        sgemmSerial(transA: transA, transB: transB, m: m, n: n, k: k, alpha: alpha, a: a, lda: lda,
                    b: b, ldb: ldb, beta: beta, c: c, ldc: ldc, epilogue: epilogue)
        return
    }
    if m >= n || m >= 64 * tasks {
        // Rows of C ↔ rows of op(A).
        parallelTasks(m, maxTasks: tasks) { _, lo, hi in
            sgemmSerial(transA: transA, transB: transB, m: hi - lo, n: n, k: k, alpha: alpha,
                        a: a + (transA ? lo : lo * lda), lda: lda, b: b, ldb: ldb, beta: beta, c: c + lo * ldc, ldc: ldc,
                        epilogue: epilogue?.shifted(rows: lo, columns: 0))
        }
    } else {
        // Columns of C ↔ columns of op(B).
        parallelTasks(n, maxTasks: tasks) { _, lo, hi in
            sgemmSerial(transA: transA, transB: transB, m: m, n: hi - lo, k: k, alpha: alpha,
                        a: a, lda: lda, b: b + (transB ? lo * ldb : lo), ldb: ldb, beta: beta, c: c + lo, ldc: ldc,
                        epilogue: epilogue?.shifted(rows: 0, columns: lo))
        }
    }
}

/// `sgemm` on the calling thread only, on the active `KernelPath`.
@inline(__always)
public func sgemmSerial(transA: Bool, transB: Bool, m: Int, n: Int, k: Int, alpha: Float = 1,
                        a: UnsafePointer<Float>, lda: Int, b: UnsafePointer<Float>, ldb: Int,
                        beta: Float = 0, c: UnsafeMutablePointer<Float>, ldc: Int, path: KernelPath = .active,
                        epilogue: GEMMEpilogue? = nil) {
    precondition(alpha == 1 || beta == 0, "sgemm: alpha \(alpha) with beta \(beta) is not supported (alpha = 1 or beta = 0)")
    guard let epilogue else {
        drift_sgemm(path.code, transA ? 1 : 0, transB ? 1 : 0, m, n, k, alpha, a, lda, b, ldb, beta, c, ldc)
        return
    }
    precondition(alpha == 1 && beta == 0, "sgemm: an epilogue needs alpha = 1 and beta = 0, got \(alpha) and \(beta)")
    var e = epilogue.kernelForm
    drift_sgemm_fused(path.code, transA ? 1 : 0, transB ? 1 : 0, m, n, k, a, lda, b, ldb, c, ldc, &e)
}

/// What the GEMM does to each element of C once its sum over k is complete (drift_kernels.h),
/// in this order, each step rounded as the separate tensor ops round it:
/// `c += bias[j]`, `c += add[i, j]`, `act[i, j] = activation(c)`.
public struct GEMMEpilogue {
    /// n values added to every row of C, or nil.
    public var bias: UnsafePointer<Float>?
    /// An m×n addend (row stride `ldadd`), or nil.
    public var add: UnsafePointer<Float>?
    public var ldadd: Int
    public var activation: Activation
    /// Where activation(c) goes (row stride `ldact`; may be C itself); unused for `.identity`.
    public var act: UnsafeMutablePointer<Float>?
    public var ldact: Int

    public init(bias: UnsafePointer<Float>?, add: UnsafePointer<Float>? = nil, ldadd: Int = 0,
                activation: Activation = .identity, act: UnsafeMutablePointer<Float>? = nil, ldact: Int = 0) {
        precondition(activation == .identity || act != nil, "GEMMEpilogue: \(activation) needs an output buffer")
        (self.bias, self.add, self.ldadd, self.activation, self.act, self.ldact) = (bias, add, ldadd, activation, act, ldact)
    }

    /// The same epilogue for the part of C that starts at (rows, columns).
    func shifted(rows: Int, columns: Int) -> GEMMEpilogue {
        var e = self
        e.bias = bias.map { $0 + columns }
        e.add = add.map { $0 + rows * ldadd + columns }
        e.act = act.map { $0 + rows * ldact + columns }
        return e
    }

    var kernelForm: drift_epilogue {
        drift_epilogue(bias: bias, add: add, ldadd: ldadd, activation: activation.code, act: act, ldact: ldact)
    }
}

/// `sgemm` (split across workers) when `split`, else `sgemmSerial`.
@inline(__always)
func gemmMaybeSplit(split: Bool, _ transA: Bool, _ transB: Bool, _ m: Int, _ n: Int, _ k: Int, _ alpha: Float,
                    _ a: UnsafePointer<Float>, _ lda: Int, _ b: UnsafePointer<Float>, _ ldb: Int, _ beta: Float,
                    _ c: UnsafeMutablePointer<Float>, _ ldc: Int) {
    if split {
        sgemm(transA: transA, transB: transB, m: m, n: n, k: k, alpha: alpha, a: a, lda: lda, b: b, ldb: ldb, beta: beta, c: c, ldc: ldc)
    } else {
        sgemmSerial(transA: transA, transB: transB, m: m, n: n, k: k, alpha: alpha, a: a, lda: lda, b: b, ldb: ldb,
                    beta: beta, c: c, ldc: ldc)
    }
}

extension Tensor {
    /// Matrix product with optional transposes of the last two dimensions.
    ///
    /// - `a` of shape [..., m, k] (or [..., k, m] when `transposeA`) and `b` of
    ///   shape [k, n] (or [n, k]): leading dimensions of `a` are batch dimensions
    ///   sharing `b`.
    /// - `a` of shape [B, m, k] and `b` of shape [B, k, n]: batched product.
    public func matmul(_ b: Tensor, transposeA: Bool = false, transposeB: Bool = false) -> Tensor {
        let a = self
        precondition(a.rank >= 2 && b.rank >= 2, "matmul: shapes \(a.shape) and \(b.shape) need rank ≥ 2")
        let (am, ak) = transposeA ? (a.shape[a.rank - 1], a.shape[a.rank - 2]) : (a.shape[a.rank - 2], a.shape[a.rank - 1])
        let (bk, bn) = transposeB ? (b.shape[b.rank - 1], b.shape[b.rank - 2]) : (b.shape[b.rank - 2], b.shape[b.rank - 1])
        precondition(ak == bk, "matmul: inner dimensions differ for shapes \(a.shape) and \(b.shape)"
                     + (transposeA || transposeB ? " (transposeA: \(transposeA), transposeB: \(transposeB))" : ""))
        let aBatch = Array(a.shape.dropLast(2)), bBatch = Array(b.shape.dropLast(2))
        precondition(bBatch.isEmpty || aBatch == bBatch,
                     "matmul: batch dimensions differ for shapes \(a.shape) and \(b.shape)")
        precondition(!(transposeA && bBatch.isEmpty && aBatch.reduce(1, *) > 1),
                     "matmul: transposeA with a batched \(a.shape) and a shared \(b.shape) is not supported")
        let batch = aBatch.reduce(1, *)
        let out = Tensor(uninitializedShape: aBatch + [am, bn])
        let pa = a.storage.pointer, pb = b.storage.pointer, po = out.storage.pointer
        let lda = a.shape[a.rank - 1], ldb = b.shape[b.rank - 1]
        if bBatch.isEmpty && !transposeA {
            // Fold the batch into the rows of one GEMM.
            sgemm(transA: false, transB: transposeB, m: batch * am, n: bn, k: ak,
                  a: pa, lda: lda, b: pb, ldb: ldb, c: po, ldc: bn)
        } else {
            let sa = am * ak, sb = bBatch.isEmpty ? 0 : ak * bn, so = am * bn
            Tensor.forEachBatch(batch) { i, parallel in
                gemmMaybeSplit(split: !parallel, transposeA, transposeB, am, bn, ak, 1, pa + i * sa, lda, pb + i * sb, ldb, 0, po + i * so, bn)
            }
        }
        if !(a.isTracked || b.isTracked) { return out }
        return Tensor.record("matmul", out, inputs: [a, b], composable: true) { c in
            var (x, y, g) = (c.inputs[0], c.inputs[1], c.grad)
            if bBatch.isEmpty && x.rank > 2 {
                // Shared B: fold A's batch into rows (transposeA is excluded above).
                x = x.reshaped([-1, ak]); g = g.reshaped([-1, bn])
            }
            // C = op(A)·op(B):  dop(A) = g·op(B)ᵀ,  dop(B) = op(A)ᵀ·g.
            let ga: Tensor? = !c.needs[0] ? nil
                : transposeA ? y.matmul(g, transposeA: transposeB, transposeB: true)
                             : g.matmul(y, transposeB: !transposeB)
            let gb: Tensor? = !c.needs[1] ? nil
                : transposeB ? g.matmul(x, transposeA: true, transposeB: transposeA)
                             : x.matmul(g, transposeA: !transposeA)
            return [ga?.reshaped(c.inputs[0].shape), gb]
        }
    }
}
