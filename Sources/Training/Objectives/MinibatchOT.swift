import TensorCore

/// Exact optimal-transport coupling of a minibatch (Tong et al. 2023,
/// "Improving and generalizing flow-based generative models with minibatch
/// optimal transport", OT-CFM; Pooladian et al. 2023).
///
/// With equal uniform weights on B data points x⁽ⁱ⁾ and B noise draws ε⁽ʲ⁾, the
/// optimal plan for the squared Euclidean cost is a permutation (Birkhoff–von
/// Neumann), found exactly by `LinearAssignment`: pairing x⁽ⁱ⁾ with ε⁽π(i)⁾
/// straightens the conditional paths and so the learned flow.
/// Cost O(B²·D) for the matrix (one GEMM) plus O(B³) for the assignment:
/// cheap for B ≤ 512, slow for thousands.
public enum MinibatchOT {
    /// Squared distances C[i, j] = ‖a_i − b_j‖² between the rows of a [B, …] and b [B, …].
    public static func squaredDistances(_ a: Tensor, _ b: Tensor) -> [Double] {
        precondition(a.shape == b.shape, "MinibatchOT.squaredDistances: shapes \(a.shape) and \(b.shape) differ")
        let n = a.shape[0]
        let fa = a.detached.reshaped([n, -1]), fb = b.detached.reshaped([n, -1])
        let dot = fa.matmul(fb, transposeB: true).scalars
        let na = (fa * fa).sum(axis: 1).scalars, nb = (fb * fb).sum(axis: 1).scalars
        var c = [Double](repeating: 0, count: n * n)
        for i in 0..<n {
            for j in 0..<n { c[i * n + j] = max(0, Double(na[i]) + Double(nb[j]) - 2 * Double(dot[i * n + j])) }
        }
        return c
    }

    /// The noise rows reordered so that row i is the partner of data row i under the exact OT plan.
    public static func couple(data: Tensor, noise: Tensor) -> Tensor {
        let n = data.shape[0]
        let assignment = LinearAssignment.solve(cost: squaredDistances(data, noise), n: n)
        let per = noise.count / max(n, 1)
        let out = Tensor.zeros(noise.shape)
        let src = noise.storage.pointer
        out.withUnsafeMutableBufferPointer { dst in
            for i in 0..<n { (dst.baseAddress! + i * per).update(from: src + assignment[i] * per, count: per) }
        }
        return out
    }
}
