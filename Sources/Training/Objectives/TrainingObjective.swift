import Foundation
import Generative
import NN
import TensorCore

/// A training loss on a Gaussian path x_t = α(t)·x₀ + σ(t)·ε (t = 0 data, t = 1 noise).
///
/// Every loss is a mean over the batch of a per-example weighted squared error
/// between the network output and a regression target; all randomness (noise,
/// times, couplings) comes from `key`, example i's draws from counter firstSample + i
/// (its stream position), so a step is reproducible from (parameters, data batch, key,
/// position) and any split of a batch draws the same noise and times for each example.
/// Per-example times: t_i for row i; per-example classes c_i (nil: the null class).
///
/// | objective | network input | target | weight |
/// |---|---|---|---|
/// | dsm | (x_t, t) | ε | 1, or g²/σ² by importance sampling |
/// | cfm, ot-cfm | (x_t, t) | u = α′x₀ + σ′ε | 1 |
/// | edm | (c_in·x̃, c_noise(σ̃)) | (x₀ − c_skip·x̃)/c_out | λ(σ̃)·c_out² = 1 |
///
/// (For EDM x̃ = x₀ + σ̃ε is the α = 1 form of the path; the loss
/// λ(σ̃)‖D(x̃; σ̃) − x₀‖² equals ‖F − (x₀ − c_skip·x̃)/c_out‖² exactly, which
/// avoids dividing by a small c_out. Karras et al. 2022, eq. 8 and §5.)
public struct TrainingObjective {
    public let config: ObjectiveConfig
    public let path: GaussianPath
    private let likelihoodTimes: ImportanceTimeSampler?

    public init(_ config: ObjectiveConfig, path: GaussianPath) throws {
        try config.validate(on: path)
        self.config = config
        self.path = path
        if config.kind == .dsm && config.likelihoodWeighting {
            let p = path
            likelihoodTimes = ImportanceTimeSampler(range: Self.timeRange(path)) { t in
                let s = p.sigma(t)
                return p.forwardDiffusionSquared(t) / (s * s)
            }
        } else {
            likelihoodTimes = nil
        }
    }

    /// What the network predicts under this objective.
    public var parametrization: Parametrization { config.kind.parametrization }

    /// Times drawn for training: the path's domain clipped to [·, 1].
    static func timeRange(_ path: GaussianPath) -> ClosedRange<Double> {
        max(path.domain.lowerBound, 0)...min(path.domain.upperBound, 1)
    }

    /// The scalar loss on the data batch `x0` [B, …] of classes `classes` (nil entries, or nil
    /// for all: unconditional) whose first example sits at stream position `firstSample`
    /// (tracked through `network`'s parameters). `partners`, when given, is each row's noise
    /// partner: rows of OT-CFM's coupling of a larger batch (`couplingPartners`), or reflow's
    /// stored noise (Liu et al. 2022: the same regression on a given coupling). Without it the
    /// noise is drawn, and OT-CFM couples the batch's own noise with it.
    public func loss(_ network: any Network, data x0: Tensor, classes: [Int?]? = nil, key: RandomKey, firstSample: Int = 0,
                     partners: Tensor? = nil) -> Tensor {
        let b = x0.shape[0]
        let classes = classes ?? [Int?](repeating: nil, count: b)
        let drawn = Tensor.randomNormal(x0.shape, key: key.fold("noise"), firstSample: firstSample)
        let noise = partners ?? drawn
        let u = Tensor.randomUniform([b], key: key.fold("time"), firstSample: firstSample).scalars.map(Double.init)
        switch config.kind {
        case .dsm:
            let (t, w): ([Double], [Double])
            if let sampler = likelihoodTimes {
                (t, w) = sampler.sample(u)
            } else {
                let r = Self.timeRange(path)
                (t, w) = (u.map { r.lowerBound + (r.upperBound - r.lowerBound) * $0 }, [Double](repeating: 1, count: b))
            }
            let xt = x0 * rows(t.map(path.alpha), like: x0) + noise * rows(t.map(path.sigma), like: x0)
            let prediction = network(x: xt, t: Tensor(t.map(Float.init)), classes: classes)
            return weightedMeanSquare(prediction - noise, weights: w)
        case .cfm, .otcfm:
            let eps = partners ?? (config.kind == .otcfm ? MinibatchOT.couple(data: x0, noise: drawn) : drawn)
            let t = flowTimes(u, key: key, firstSample: firstSample)
            let xt = x0 * rows(t.map(path.alpha), like: x0) + eps * rows(t.map(path.sigma), like: x0)
            let target = x0 * rows(t.map(path.alphaDot), like: x0) + eps * rows(t.map(path.sigmaDot), like: x0)
            let prediction = network(x: xt, t: Tensor(t.map(Float.init)), classes: classes)
            return weightedMeanSquare(prediction - target, weights: nil)
        case .edm:
            let settings = config.edm, pre = EDMPreconditioning(sigmaData: settings.sigmaData)
            let n = Tensor.randomNormal([b], key: key.fold("sigma"), firstSample: firstSample).scalars
            let sigma = n.map { Foundation.exp(settings.pMean + settings.pStd * Double($0)) }
            let noisy = x0 + noise * rows(sigma, like: x0)
            let input = noisy * rows(sigma.map(pre.cIn), like: x0)
            let target = (x0 - noisy * rows(sigma.map(pre.cSkip), like: x0)) * rows(sigma.map { 1 / pre.cOut($0) }, like: x0)
            let prediction = network(x: input, t: Tensor(sigma.map { Float(pre.cNoise($0)) }), classes: classes)
            return weightedMeanSquare(prediction - target, weights: nil)
        case .cnf:
            preconditionFailure("TrainingObjective.loss: a CNF's loss is a solve with its own gradient (CNFObjective)")
        case .consistency:
            preconditionFailure("TrainingObjective.loss: a consistency student's loss needs its teacher and target (ConsistencyObjective)")
        }
    }

    /// OT-CFM: the noise rows of the batch `x0` (first example at stream position `firstSample`,
    /// noise drawn as `loss` draws it) reordered so that row i is data row i's partner under the
    /// exact OT plan of the whole batch. Shards of the batch pass their rows of it to `loss`, so
    /// the coupling spans the batch however it is cut.
    public func couplingPartners(data x0: Tensor, key: RandomKey, firstSample: Int) -> Tensor {
        MinibatchOT.couple(data: x0, noise: Tensor.randomNormal(x0.shape, key: key.fold("noise"), firstSample: firstSample))
    }

    /// Flow-matching times from uniforms u: uniform or logit-normal, mapped onto the time range.
    func flowTimes(_ u: [Double], key: RandomKey, firstSample: Int = 0) -> [Double] {
        let r = Self.timeRange(path)
        let s: [Double]
        switch config.timeSampling {
        case .uniform:
            s = u
        case .logitNormal(let m, let sd):
            let n = Tensor.randomNormal([u.count], key: key.fold("logit"), firstSample: firstSample).scalars
            s = n.map { 1 / (1 + Foundation.exp(-(m + sd * Double($0)))) }
        }
        return s.map { r.lowerBound + (r.upperBound - r.lowerBound) * $0 }
    }

    /// Per-row scalars as a tensor [B, 1, …, 1] that broadcasts against `x`.
    func rows(_ values: [Double], like x: Tensor) -> Tensor {
        Tensor(values.map(Float.init), shape: [values.count] + [Int](repeating: 1, count: x.rank - 1))
    }

    /// mean_i w_i · mean_j r_ij² (w ≡ 1 when nil).
    func weightedMeanSquare(_ residual: Tensor, weights: [Double]?) -> Tensor {
        guard let weights else { return residual.square().mean() }
        let perRow = residual.square().mean(axes: Array(1..<residual.rank))
        return (perRow * Tensor(weights.map(Float.init))).mean()
    }
}
