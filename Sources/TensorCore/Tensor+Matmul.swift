import DriftKernels

/// Matrix products through Drift's own GEMM kernels (`Sources/DriftKernels`, `KernelPath`).

/// C[m×n] = alpha·op(A)·op(B) + beta·C on raw row-major buffers, split across
/// `ComputeThreads.count` workers by rows (or columns) of C when large enough.
/// Requires alpha = 1 or beta = 0. Each element of C is one fused multiply-add chain
/// over k in order, so the split never changes the result.
public func sgemm(transA: Bool, transB: Bool, m: Int, n: Int, k: Int, alpha: Float = 1,
                  a: UnsafePointer<Float>, lda: Int, b: UnsafePointer<Float>, ldb: Int,
                  beta: Float = 0, c: UnsafeMutablePointer<Float>, ldc: Int) {
    let threads = ComputeThreads.count
    // ~2 MFLOP per worker at least (a split costs a few µs of packing and dispatch).
    let tasks = Swift.min(threads, m * n * k / (1 << 20))
    if tasks <= 1 {
        sgemmSerial(transA: transA, transB: transB, m: m, n: n, k: k, alpha: alpha, a: a, lda: lda,
                    b: b, ldb: ldb, beta: beta, c: c, ldc: ldc)
        return
    }
    if m >= n || m >= 64 * tasks {
        // Rows of C ↔ rows of op(A).
        parallelTasks(m, maxTasks: tasks) { _, lo, hi in
            sgemmSerial(transA: transA, transB: transB, m: hi - lo, n: n, k: k, alpha: alpha,
                        a: a + (transA ? lo : lo * lda), lda: lda, b: b, ldb: ldb, beta: beta, c: c + lo * ldc, ldc: ldc)
        }
    } else {
        // Columns of C ↔ columns of op(B).
        parallelTasks(n, maxTasks: tasks) { _, lo, hi in
            sgemmSerial(transA: transA, transB: transB, m: m, n: hi - lo, k: k, alpha: alpha,
                        a: a, lda: lda, b: b + (transB ? lo * ldb : lo), ldb: ldb, beta: beta, c: c + lo, ldc: ldc)
        }
    }
}

/// `sgemm` on the calling thread only, on the active `KernelPath`.
@inline(__always)
public func sgemmSerial(transA: Bool, transB: Bool, m: Int, n: Int, k: Int, alpha: Float = 1,
                        a: UnsafePointer<Float>, lda: Int, b: UnsafePointer<Float>, ldb: Int,
                        beta: Float = 0, c: UnsafeMutablePointer<Float>, ldc: Int, path: KernelPath = .active) {
    precondition(alpha == 1 || beta == 0, "sgemm: alpha \(alpha) with beta \(beta) is not supported (alpha = 1 or beta = 0)")
    drift_sgemm(path.code, transA ? 1 : 0, transB ? 1 : 0, m, n, k, alpha, a, lda, b, ldb, beta, c, ldc)
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
