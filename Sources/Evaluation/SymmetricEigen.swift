import CLAPACK

/// The eigendecomposition A = V·diag(λ)·Vᵀ of a real symmetric n×n matrix, from LAPACK's
/// divide-and-conquer `dsyevd` (Demmel, *Applied Numerical Linear Algebra*, §5.3.3): eigenvalues
/// ascending, eigenvectors orthonormal, backward stable (computed λ are exact for A + E with
/// ‖E‖ ≈ n·ε·‖A‖).
public struct SymmetricEigen: Sendable {
    public let n: Int
    /// Eigenvalues λ₁ ≤ … ≤ λₙ.
    public let values: [Double]
    /// Eigenvectors as columns of V, row-major n×n (V[i][j] = vectors[i·n + j]).
    public let vectors: [Double]

    /// Decomposes `matrix` (row-major n×n; only its lower triangle is read).
    /// - Throws: `EvaluationError` if LAPACK reports a failure to converge or bad input.
    public init(_ matrix: [Double], n: Int) throws {
        precondition(matrix.count == n * n, "SymmetricEigen: \(matrix.count) entries for a \(n)×\(n) matrix")
        self.n = n
        guard n > 0 else { values = []; vectors = []; return }
        var a = matrix
        var w = [Double](repeating: 0, count: n)
        let info = LAPACKE_dsyevd(LAPACK_ROW_MAJOR, Int8(UInt8(ascii: "V")), Int8(UInt8(ascii: "L")),
                                  Int32(n), &a, Int32(n), &w)
        guard info == 0 else {
            throw EvaluationError("symmetric eigendecomposition failed (LAPACK dsyevd info = \(info))")
        }
        values = w
        vectors = a
    }

    /// V·diag(f(λ))·Vᵀ, row-major n×n.
    public func map(_ f: (Double) -> Double) -> [Double] {
        let fl = values.map(f)
        var out = [Double](repeating: 0, count: n * n)
        for i in 0..<n {
            for j in 0...i {
                var s = 0.0
                for k in 0..<n { s += vectors[i * n + k] * fl[k] * vectors[j * n + k] }
                out[i * n + j] = s
                out[j * n + i] = s
            }
        }
        return out
    }

    /// The positive semidefinite square root V·diag(√max(λ, 0))·Vᵀ (negative eigenvalues of a
    /// covariance are rounding noise and are clipped to 0).
    public var squareRoot: [Double] { map { Swift.max($0, 0).squareRoot() } }
}
