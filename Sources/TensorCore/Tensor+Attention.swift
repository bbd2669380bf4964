/// Scaled dot-product attention (Vaswani et al. 2017, "Attention Is All You Need", eq. 1)
/// as one primitive:
///
///     S = Q·Kᵀ/√C,   A = softmax_rows(S),   O = A·V
///
/// Backward (per batch item):
///
///     dV = Aᵀ·dO,   dA = dO·Vᵀ,   dS = A ⊙ (dA − rowsum(dA ⊙ A)),
///     dQ = dS·K/√C,   dK = dSᵀ·Q/√C
///
/// Batch items are split between worker threads, each calling single-threaded
/// `sgemm`. The attention matrix A [B, N, M] is kept for the backward pass.

/// Where the token axis sits in attention operands.
public enum AttentionLayout: Sendable {
    /// [B, tokens, channels].
    case tokensFirst
    /// [B, channels, tokens] — a flattened NCHW feature map, no transpose needed.
    case channelsFirst
}

/// A logical row-major matrix that may be stored transposed.
private struct Matrix {
    let base: UnsafeMutablePointer<Float>
    let rows: Int, cols: Int
    /// Stored as [cols, rows] (the transpose) when true.
    let transposed: Bool
    var ld: Int { transposed ? rows : cols }
    func at(_ b: Int) -> Matrix { Matrix(base: base + b * rows * cols, rows: rows, cols: cols, transposed: transposed) }
}

/// out = alpha · op(x)·op(y), where op transposes the logical matrix when `tx`/`ty`.
private func gemm(_ out: Matrix, _ x: Matrix, _ tx: Bool, _ y: Matrix, _ ty: Bool, alpha: Float = 1) {
    if out.transposed {
        // outᵀ = op(y)ᵀ·op(x)ᵀ, written into the stored layout.
        sgemmSerial(transA: !(ty != y.transposed), transB: !(tx != x.transposed), m: out.cols, n: out.rows,
              k: tx ? x.rows : x.cols, alpha: alpha, a: y.base, lda: y.ld, b: x.base, ldb: x.ld, c: out.base, ldc: out.ld)
    } else {
        sgemmSerial(transA: tx != x.transposed, transB: ty != y.transposed, m: out.rows, n: out.cols,
              k: tx ? x.rows : x.cols, alpha: alpha, a: x.base, lda: x.ld, b: y.base, ldb: y.ld, c: out.base, ldc: out.ld)
    }
}

extension Tensor {
    /// softmax(Q·Kᵀ/√C)·V for `q` [B, N, C], `k` [B, M, C], `v` [B, M, Cv] (tokens first),
    /// or `q` [B, C, N], `k` [B, C, M], `v` [B, Cv, M] with `.channelsFirst` (output [B, Cv, N]).
    public static func scaledDotProductAttention(_ q: Tensor, _ k: Tensor, _ v: Tensor,
                                                 layout: AttentionLayout = .tokensFirst) -> Tensor {
        precondition(q.rank == 3 && k.rank == 3 && v.rank == 3 && q.shape[0] == k.shape[0] && k.shape[0] == v.shape[0],
                     "scaledDotProductAttention: q \(q.shape), k \(k.shape), v \(v.shape) must be rank 3 with equal batch")
        let cf = layout == .channelsFirst
        let (tokenAxis, channelAxis) = cf ? (2, 1) : (1, 2)
        let (b, n, c) = (q.shape[0], q.shape[tokenAxis], q.shape[channelAxis])
        let (m, cv) = (k.shape[tokenAxis], v.shape[channelAxis])
        precondition(k.shape[channelAxis] == c && v.shape[tokenAxis] == m,
                     "scaledDotProductAttention: shapes q \(q.shape), k \(k.shape), v \(v.shape) disagree (\(layout))")
        let scale = 1 / Float(c).squareRoot()
        let attn = Tensor(uninitializedShape: [b, n, m])
        let out = Tensor(uninitializedShape: cf ? [b, cv, n] : [b, n, cv])
        func mat(_ t: Tensor, _ r: Int, _ cc: Int) -> Matrix { Matrix(base: t.storage.pointer, rows: r, cols: cc, transposed: cf) }
        let (Q, K, V, O) = (mat(q, n, c), mat(k, m, c), mat(v, m, cv), mat(out, n, cv))
        let A = Matrix(base: attn.storage.pointer, rows: n, cols: m, transposed: false)
        forEachBatch(b) { (i: Int, _: Int) in
            gemm(A.at(i), Q.at(i), false, K.at(i), true, alpha: scale)
            softmaxKernel(A.at(i).base, A.at(i).base, outer: n, n: m, inner: 1)
            gemm(O.at(i), A.at(i), false, V.at(i), false)
        }
        if !(q.isTracked || k.isTracked || v.isTracked) { return out }
        return record("attention", out, inputs: [q, k, v]) { ctx in
            let (q, k, v) = (ctx.inputs[0], ctx.inputs[1], ctx.inputs[2])
            let (Q, K, V) = (mat(q, n, c), mat(k, m, c), mat(v, m, cv))
            let dO = mat(ctx.grad, n, cv)
            let dq = Tensor(uninitializedShape: q.shape), dk = Tensor(uninitializedShape: k.shape)
            let dv = Tensor(uninitializedShape: v.shape)
            let (dQ, dK, dV) = (mat(dq, n, c), mat(dk, m, c), mat(dv, m, cv))
            let A = Matrix(base: attn.storage.pointer, rows: n, cols: m, transposed: false)   // keeps `attn` alive
            let pool = ScratchPool.shared
            let scratch = (0..<ComputeThreads.count).map { _ in pool.take(n * m) }
            defer { scratch.forEach(pool.give) }
            forEachBatch(b) { i, task in
                let dS = Matrix(base: scratch[task].pointer, rows: n, cols: m, transposed: false)
                let a = A.at(i)
                if ctx.needs[2] { gemm(dV.at(i), a, true, dO.at(i), false) }
                gemm(dS, dO.at(i), false, V.at(i), true)        // dA
                for r in 0..<n {
                    let ar = a.base + r * m, dr = dS.base + r * m
                    var dot: Float = 0
                    for j in 0..<m { dot += ar[j] * dr[j] }
                    for j in 0..<m { dr[j] = ar[j] * (dr[j] - dot) }
                }
                if ctx.needs[0] { gemm(dQ.at(i), dS, false, K.at(i), false, alpha: scale) }
                if ctx.needs[1] { gemm(dK.at(i), dS, true, Q.at(i), false, alpha: scale) }
            }
            return [ctx.needs[0] ? dq : nil, ctx.needs[1] ? dk : nil, ctx.needs[2] ? dv : nil]
        }
    }

    /// Runs `body(item, task)` for each batch item, split between worker threads (`task`
    /// indexes the worker, for scratch buffers) that call `sgemmSerial`.
    static func forEachBatch(_ b: Int, _ body: (Int, Int) -> Void) {
        parallelTasks(b) { task, lo, hi in for i in lo..<hi { body(i, task) } }
    }

    /// Runs `body(item, parallel)` for each batch item: side by side on the workers when there
    /// are enough items (`parallel` true: use `sgemmSerial`), else in order (use `sgemm`).
    static func forEachBatch(_ b: Int, _ body: (Int, Bool) -> Void) {
        if b < ComputeThreads.count {
            for i in 0..<b { body(i, false) }
        } else {
            parallelTasks(b) { _, lo, hi in for i in lo..<hi { body(i, true) } }
        }
    }
}
