import Foundation
import Generative
import Samplers
import TensorCore

/// The float64 reference oracle of an analytic mixture's probability-flow ODE: its exact flow map,
/// for the tests and for `drift compare`'s exact-flow comparison (the `ode-error` metric,
/// `CompareMetric.odeError`). A tight adaptive Dormand–Prince 5(4) solve per sample in Double (the
/// same tableau as the `dopri5` preset, run here on `GaussianMixture.exactVelocity`, rtol 1e-10,
/// atol 1e-12 by default).
///
/// It deliberately does not go through `solve`, the one integration loop of the samplers: an
/// oracle must not share the code it checks, and it needs what `solve` does not give — float64
/// states and the mixture's exact closed-form velocity (`solve` steps Float32 tensors through a
/// `DiffusionModel`'s fields). It is not a sampler and never runs a network.
///
/// For a deterministic sampler started from x = σ(t_start)·ε, the distance between its output and
/// this map's from the same start is the solver's error in isolation: the model is exact and the
/// prior mismatch at t_start is shared.
///
/// A row may be given a class k and a guidance weight w: it then follows the exact guided field
/// (1 + w)·û_k − w·û of component k against the whole mixture (`GuidedModel`'s combination; w = 0:
/// the exact conditional flow of component k alone).
public struct MixtureFlowOracle: Sendable {
    public var model: GaussianMixture
    /// Guidance weight of rows with a class.
    public var guidance: Double
    public var rtol: Double
    public var atol: Double
    /// Steps allowed per sample before giving up.
    public var maxSteps: Int

    public init(model: GaussianMixture, guidance: Double = 0, rtol: Double = 1e-10, atol: Double = 1e-12, maxSteps: Int = 100_000) {
        self.model = model
        self.guidance = guidance
        self.rtol = rtol
        self.atol = atol
        self.maxSteps = maxSteps
    }

    /// The exact field of a row of class `c` (nil: the whole mixture): velocity or x̂₀.
    func exact(_ x: [Double], t: Double, class c: Int?, x0: Bool = false) -> [Double] {
        func field(_ m: GaussianMixture) -> [Double] { x0 ? m.exactPosterior(x, t: t).x0 : m.exactVelocity(x, t: t) }
        guard let c else { return field(model) }
        let conditional = field(model.component(c))
        guard guidance != 0 else { return conditional }
        return zip(conditional, field(model)).map { (1 + guidance) * $0 - guidance * $1 }
    }

    /// x(t₁) for x(t₀) = `x` (of class `c`, if given).
    /// - Throws: `EvaluationError` when the velocity is not finite on the way or the step budget runs out.
    public func flow(_ x: [Double], from t0: Double, to t1: Double, class c: Int? = nil) throws -> [Double] {
        let tableau = ButcherTableau.dormandPrince, e = tableau.errorWeights!, s = tableau.stages
        var y = x, t = t0
        var h = (t1 - t0) / 100
        var k1 = exact(y, t: t, class: c)
        var steps = 0
        while (t1 - t) * (t1 - t0) > 0 {
            steps += 1
            guard steps <= maxSteps else { throw EvaluationError("the float64 reference solve took more than \(maxSteps) steps near t = \(t)") }
            if (t + h - t1) * (t1 - t0) > 0 { h = t1 - t }
            var k = [k1]
            var stage = y
            for i in 1..<s {
                stage = y
                for (j, a) in tableau.a[i].enumerated() where a != 0 {
                    for q in 0..<y.count { stage[q] += h * a * k[j][q] }
                }
                k.append(exact(stage, t: t + tableau.c[i] * h, class: c))
            }
            // FSAL: the last stage is x₁ itself.
            var error = 0.0
            for q in 0..<y.count {
                var est = 0.0
                for i in 0..<s { est += e[i] * k[i][q] }
                let scale = atol + rtol * Swift.max(Swift.abs(y[q]), Swift.abs(stage[q]))
                error += (h * est / scale) * (h * est / scale)
            }
            error = (error / Double(y.count)).squareRoot()
            guard error.isFinite, stage.allSatisfy(\.isFinite) else {
                throw EvaluationError("the mixture's probability-flow velocity is not finite near t = \(t) on the \(model.path.kind.rawValue) path")
            }
            if error <= 1 {
                t += h
                y = stage
                k1 = k[s - 1]
            }
            h *= Swift.min(5, Swift.max(0.2, 0.9 * Foundation.pow(Swift.max(error, 1e-16), -0.2)))
        }
        return y
    }

    /// Where `sampler` would end from initial noise rows `noise` [N, d] if it solved the PF-ODE exactly:
    /// x(t_start) = σ(t_start)·ε flowed to t_end, then to t = 0 for a final step `zero`, or
    /// replaced by the exact x̂₀ at t_end for `denoise`. Row i follows class `classes[i]` (nil or
    /// no classes: the whole mixture).
    public func endpoints(of sampler: Sampler, noise: Tensor, classes: [Int?]? = nil) throws -> FeatureSet {
        let path = model.path
        let (t0, tEnd) = try sampler.endpoints(on: path)
        let n = noise.shape[0], d = model.dimension
        let scale = path.sigma(t0), v = noise.scalars
        var out = [Double]()
        out.reserveCapacity(n * d)
        for i in 0..<n {
            let x = (0..<d).map { scale * Double(v[i * d + $0]) }
            let c = classes?[i] ?? nil
            var y = try flow(x, from: t0, to: tEnd, class: c)
            switch sampler.grid.finalStep {
            case .none: break
            case .zero: y = try flow(y, from: tEnd, to: 0, class: c)
            case .denoise: y = exact(y, t: tEnd, class: c, x0: true)
            }
            out += y
        }
        return FeatureSet(values: out, count: n, dimension: d)
    }
}

/// Root mean square over rows of the Euclidean distance between corresponding rows.
public func rmsRowDistance(_ a: FeatureSet, _ b: FeatureSet) -> Double {
    precondition(a.count == b.count && a.dimension == b.dimension, "rmsRowDistance: sets of different shapes")
    var s = 0.0
    for i in 0..<a.count { s += a.squaredDistance(i, b, i) }
    return (s / Double(Swift.max(a.count, 1))).squareRoot()
}

/// The exact mean negative log-likelihood −(1/N)·Σ log p₀(xᵢ) of samples under an analytic
/// mixture, with its standard error (nats).
public func exactMeanNLL(_ samples: Tensor, model: GaussianMixture) -> Estimate {
    Estimate(mean: model.logDensityValues(samples, t: 0).map { -$0 })
}
