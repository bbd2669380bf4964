import CLAPACK
import Foundation
import TensorCore

/// An EMA of any length rebuilt after training from stored snapshots of a few power-function
/// profiles (Karras et al. 2024, EDM2, Appendix C.2, "Post-hoc EMA").
///
/// Each snapshot i (profile γᵢ, taken at update tᵢ) averages the training trajectory with the
/// weight function pᵢ(τ) = (γᵢ + 1) τ^γᵢ / tᵢ^(γᵢ + 1) on [0, tᵢ]. Because averaging is linear in
/// the parameters, the average under any weight function that is a combination Σ xᵢ pᵢ is
/// Σ xᵢ θ̂ᵢ. The target profile p_r (σ_rel, update t_r) is matched in L²: x solves the normal
/// equations A x = b with Aᵢⱼ = ⟨pᵢ, pⱼ⟩, bᵢ = ⟨pᵢ, p_r⟩ (closed forms in `PowerProfile.overlap`),
/// by LAPACK's SVD least squares (dgelsd), which tolerates the near-dependence of many snapshots.
///
/// The relative L² error of the fit, ‖Σ xᵢ pᵢ − p_r‖ / ‖p_r‖, says whether the stored profiles
/// can express the target at all; a length they cannot reach is refused rather than approximated.
public struct PostHocReconstruction: Sendable {
    /// One stored snapshot: its profile and the update count it was taken at.
    public struct Snapshot: Sendable, Equatable {
        public var profile: PowerProfile
        public var step: Int
        public init(profile: PowerProfile, step: Int) {
            self.profile = profile
            self.step = step
        }
    }

    public let target: PowerProfile
    public let step: Int
    public let snapshots: [Snapshot]
    /// xᵢ, one per snapshot (most are tiny; the weights sum to ≈ 1).
    public let coefficients: [Double]
    /// ‖Σ xᵢ pᵢ − p_r‖ / ‖p_r‖.
    public let relativeError: Double

    /// The largest relative profile error accepted by `init(…, limit:)` by default. Lengths
    /// between the stored ones fit to ≲ 1e-3; 10% lets a length somewhat outside them through
    /// and refuses one the snapshots cannot express.
    public static let defaultLimit = 0.1

    /// Fits the profile of length `sigmaRel` at update `step` from `snapshots` (only those taken
    /// at or before `step` take part).
    /// - Throws: `TrainingError.invalidSetting` if no snapshot precedes `step`, σ_rel is not a
    ///   valid length, or the fit's relative error exceeds `limit` (the length is outside the
    ///   stored profiles' reach).
    public init(sigmaRel: Double, at step: Int, from snapshots: [Snapshot], limit: Double = PostHocReconstruction.defaultLimit) throws {
        let target = try PowerProfile(sigmaRel: sigmaRel)
        let usable = snapshots.filter { $0.step >= 1 && $0.step <= step }
        guard !usable.isEmpty else {
            throw TrainingError.invalidSetting("no post-hoc EMA snapshot at or before step \(step) to reconstruct from")
        }
        let n = usable.count
        let t = Double(step)
        var gram = [Double](repeating: 0, count: n * n)
        var rhs = [Double](repeating: 0, count: n)
        for i in 0..<n {
            let a = usable[i]
            for j in 0..<n {
                let b = usable[j]
                gram[i * n + j] = PowerProfile.overlap(a.profile, endingAt: Double(a.step), b.profile, endingAt: Double(b.step))
            }
            rhs[i] = PowerProfile.overlap(a.profile, endingAt: Double(a.step), target, endingAt: t)
        }
        let x = try Self.leastSquares(gram, rhs, n: n)
        // ‖Σ xᵢpᵢ − p_r‖² = xᵀAx − 2xᵀb + ‖p_r‖².
        var xAx = 0.0, xb = 0.0
        for i in 0..<n {
            xb += x[i] * rhs[i]
            for j in 0..<n { xAx += x[i] * gram[i * n + j] * x[j] }
        }
        let norm2 = PowerProfile.overlap(target, endingAt: t, target, endingAt: t)
        let error = (max(0, xAx - 2 * xb + norm2) / norm2).squareRoot()
        guard error <= limit else {
            let lengths = Set(usable.map { String(format: "%.3f", $0.profile.sigmaRel) }).sorted().joined(separator: ", ")
            throw TrainingError.invalidSetting(
                "EMA length \(sigmaRel) is outside the reach of the stored profiles (σ_rel \(lengths)): its profile fits only to "
                + String(format: "%.0f%%", 100 * error) + " (limit " + String(format: "%.0f%%", 100 * limit) + "); choose a length nearer the stored ones")
        }
        self.target = target
        self.step = step
        self.snapshots = usable
        self.coefficients = x
        self.relativeError = error
    }

    /// Σ xᵢ θ̂ᵢ, accumulated in double precision, with `load(i)` giving snapshot i's averages
    /// (called once per snapshot, in order, so snapshots are read one at a time).
    public func combine(_ load: (Int) throws -> [String: Tensor]) throws -> [String: Tensor] {
        var sums: [String: [Double]] = [:]
        var shapes: [String: [Int]] = [:]
        for (i, x) in coefficients.enumerated() {
            let weights = try load(i)
            if shapes.isEmpty {
                shapes = weights.mapValues(\.shape)
                sums = weights.mapValues { [Double](repeating: 0, count: $0.count) }
            }
            guard weights.mapValues(\.shape) == shapes else {
                throw TrainingError.invalidSetting("post-hoc EMA snapshot \(i) holds other parameters than the first; the snapshots are of different models")
            }
            for (key, tensor) in weights {
                let p = tensor.storage.pointer
                sums[key]!.withUnsafeMutableBufferPointer { s in
                    for k in 0..<s.count { s[k] += x * Double(p[k]) }
                }
            }
        }
        return sums.reduce(into: [:]) { out, entry in
            out[entry.key] = Tensor(entry.value.map { Float($0) }, shape: shapes[entry.key]!)
        }
    }

    /// argmin ‖A x − b‖ by dgelsd (singular values below 1e-12 of the largest are dropped).
    static func leastSquares(_ a: [Double], _ b: [Double], n: Int) throws -> [Double] {
        var a = a, b = b
        var singular = [Double](repeating: 0, count: n)
        var rank: Int32 = 0
        let info = LAPACKE_dgelsd(LAPACK_ROW_MAJOR, Int32(n), Int32(n), 1, &a, Int32(n), &b, 1, &singular, 1e-12, &rank)
        guard info == 0 else {
            throw TrainingError.invalidSetting("the post-hoc EMA least-squares solve failed (LAPACK dgelsd info = \(info))")
        }
        return b
    }
}
