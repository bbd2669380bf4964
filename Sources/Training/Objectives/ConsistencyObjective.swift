import Foundation
import Generative
import NN
import TensorCore

/// Consistency distillation (Song, Dhariwal, Chen & Sutskever 2023, "Consistency models",
/// Algorithm 2): a student f_θ(x, t) learns to map every point of its teacher's probability-flow
/// ODE trajectories to the trajectory's end.
///
/// For each example x₀ (position q): an interval n ∈ {0, …, N − 1} and noise z, keyed by q;
/// x_{n+1} = α·x₀ + σ·z at the grid time t_{n+1}; one Heun step of the teacher's ODE from t_{n+1}
/// to t_n gives x̂_n (2 teacher passes; 4 with classifier-free guidance); the loss is
///
///     λ(σ̃_n)·d(f_θ(x_{n+1}, t_{n+1}), f_θ⁻(x̂_n, t_n))   (mean over the batch)
///
/// with d the mean squared difference and λ ≡ 1, n uniform (Song et al.), or the choices of Song &
/// Dhariwal 2023 ("Improved techniques for training consistency models"): the pseudo-Huber
/// distance, λ = 1/(σ̃_{n+1} − σ̃_n) and n drawn by a lognormal over σ̃ (`ConsistencySettings`),
/// with the target θ⁻ ← μ·θ⁻ + (1 − μ)·θ after every optimizer step (stopped gradient). The
/// boundary f(x, t_min) = x is the student's preconditioning (`EDMPreconditioning.sigmaMin`), so
/// the smallest interval anchors the chain at the data. The grid is `ConsistencySettings`'s noise
/// levels on the student's path; the teacher and the target run outside the tape.
public final class ConsistencyObjective {
    public let settings: ConsistencySettings
    /// The teacher whose ODE the student follows (its path is the student's).
    public let teacher: any DiffusionModel
    /// The grid's times t_0 < … < t_N on the path (t_0 is the boundary).
    public let times: [Double]
    /// P(interval ≤ n) for n = 0 … N − 1 (`ConsistencySettings.intervalProbabilities`).
    let cumulative: [Double]
    /// λ of each interval (`ConsistencySettings.intervalWeights`).
    let weights: [Float]
    /// The target network θ⁻'s weights, an EMA of the student's with decay μ.
    public let target: EMA
    private let targetNetwork: any Network
    private let objective: ObjectiveConfig
    private let conditioning: ClassConditioning?

    /// Teacher network passes per training example: a Heun step, twice with guidance.
    public var teacherPassesPerExample: Int { settings.guidance > 0 ? 4 : 2 }

    /// - Parameters:
    ///   - student: the student network, whose current weights start the target.
    ///   - targetNetwork: a second network of the same configuration, evaluated with the target's weights.
    public init(_ objective: ObjectiveConfig, teacher: any DiffusionModel, student: any Network, targetNetwork: any Network,
                conditioning: ClassConditioning?) throws {
        guard let settings = objective.consistency else {
            throw TrainingError.invalidSetting("consistency needs its settings (grid, target EMA)")
        }
        guard teacher.sampleShape == student.sampleShape else {
            throw TrainingError.invalidSetting("the teacher draws samples of shape \(teacher.sampleShape), the student takes \(student.sampleShape)")
        }
        try settings.validate(on: teacher.path)
        if settings.guidance > 0, teacher.classNames.isEmpty {
            throw TrainingError.invalidSetting("--guidance needs a class-conditional teacher")
        }
        self.settings = settings
        self.teacher = teacher
        self.objective = objective
        self.conditioning = conditioning
        self.targetNetwork = targetNetwork
        times = settings.times(on: teacher.path)
        var running = 0.0
        cumulative = settings.intervalProbabilities.map { running += $0; return running }
        weights = settings.intervalWeights.map(Float.init)
        target = EMA(student, decay: Float(settings.targetDecay))
    }

    /// The interval n of each example from its position's uniform draw u: ⌊u·N⌋ when uniform, else
    /// the first n whose cumulative probability exceeds u.
    func intervals(key: RandomKey, firstSample: Int, count: Int) -> [Int] {
        let n = settings.intervals
        let u = Tensor.randomUniform([count], key: key.fold("interval"), firstSample: firstSample).scalars
        guard settings.intervalSampling != .uniform else { return u.map { min(Int(Double($0) * Double(n)), n - 1) } }
        return u.map { draw in min(cumulative.firstIndex { Double(draw) < $0 } ?? n - 1, n - 1) }
    }

    /// Puts the target's current weights into the network that evaluates it. `lossAndGradients`
    /// does it itself unless told the caller has (several shards computed side by side share one
    /// target network, which they then only read).
    public func syncTargetNetwork() throws { try target.copy(to: targetNetwork) }

    /// The loss of the batch `x0` (classes `classes`, nil: unconditional) whose first example sits at
    /// `firstSample`, and its gradient in `network`'s parameters. `targetSynced`: the caller has
    /// called `syncTargetNetwork()` since the target last moved.
    public func lossAndGradients(_ network: any Network, data x0: Tensor, classes: [Int?]?, key: RandomKey,
                                 firstSample: Int, targetSynced: Bool = false) throws -> (loss: Float, gradients: [String: Tensor]) {
        let b = x0.shape[0]
        let classes = classes ?? [Int?](repeating: nil, count: b)
        let n = intervals(key: key, firstSample: firstSample, count: b)
        let t1 = n.map { times[$0 + 1] }, t0 = n.map { times[$0] }
        let path = teacher.path
        let z = Tensor.randomNormal(x0.shape, key: key.fold("noise"), firstSample: firstSample)
        let x1 = x0 * rows(t1.map(path.alpha), like: x0) + z * rows(t1.map(path.sigma), like: x0)
        let xHat = teacherStep(x1, from: t1, to: t0, classes: classes)
        if !targetSynced { try syncTargetNetwork() }
        let goal = try model(targetNetwork).evaluate(xHat, times: t0, classes: classes)
        let student = try model(network)
        let weights = settings.intervalWeighting == .uniform ? nil : Tensor(n.map { self.weights[$0] }, shape: [b])
        let (loss, gradients) = valueWithGradient(of: network) {
            distance(student.evaluate(x1, times: t1, classes: classes), goal, weights: weights)
        }
        return (loss, gradients)
    }

    /// The batch's mean of λ·d(f, f⁻) (`ConsistencySettings.distance`; λ ≡ 1 when `weights` is nil).
    /// The squared distance with λ ≡ 1 is one mean over every element, as it was before the choices.
    func distance(_ f: Tensor, _ goal: Tensor, weights: Tensor?) -> Tensor {
        let difference = f - goal
        let b = f.shape[0], d = f.count / max(b, 1)
        if settings.distance == .squared, weights == nil { return difference.square().mean() }
        let squares = difference.square().reshaped([b, d]).sum(axes: [1])
        var perExample: Tensor
        if let c = settings.distance.pseudoHuberC(dimension: d) {
            let c = Float(c)
            perExample = (squares + c * c).sqrt() - c
        } else {
            perExample = squares / Float(d)
        }
        if let weights { perExample = perExample * weights }
        return perExample.mean()
    }

    /// Moves the target toward the student after an optimizer step.
    public func updateTarget(_ network: any Network) { target.update(network) }

    /// x̂ at `to` from x at `from` (a time per row): one Heun step of the teacher's probability-flow ODE.
    func teacherStep(_ x: Tensor, from t1: [Double], to t0: [Double], classes: [Int?]) -> Tensor {
        let h = rows(zip(t0, t1).map { $0 - $1 }, like: x)
        let u1 = velocity(x, times: t1, classes: classes)
        let u2 = velocity(x + h * u1, times: t0, classes: classes)
        return x + h * (u1 + u2) * 0.5
    }

    /// The teacher's probability-flow velocity at a time per row, guided by w: (1 + w)·u(c) − w·u(∅).
    func velocity(_ x: Tensor, times: [Double], classes: [Int?]) -> Tensor {
        let conditional = teacherVelocity(x, times: times, classes: classes)
        let w = settings.guidance
        guard w > 0 else { return conditional }
        let unconditional = teacherVelocity(x, times: times, classes: [Int?](repeating: nil, count: classes.count))
        return conditional * Float(1 + w) - unconditional * Float(w)
    }

    /// One teacher evaluation as a velocity: a trained network at every row's time at once; any
    /// other model (the analytic mixture) row group by row group, one group per distinct time.
    func teacherVelocity(_ x: Tensor, times: [Double], classes: [Int?]) -> Tensor {
        let path = teacher.path
        if let trained = teacher as? TrainedModel {
            let y = trained.evaluate(x, times: times, classes: classes)
            return path.convert(y, from: trained.parametrization, to: .velocity, x: x, times: times)
        }
        let width = x.count / max(x.shape[0], 1)
        var out = [Float](repeating: 0, count: x.count)
        let flat = x.scalars
        for t in Set(times).sorted() {
            let picked = times.indices.filter { times[$0] == t }
            var part = [Float]()
            part.reserveCapacity(picked.count * width)
            for i in picked { part += flat[(i * width)..<((i + 1) * width)] }
            let v = teacher.fields(Tensor(part, shape: [picked.count] + Array(x.shape.dropFirst())), t: t,
                                   classes: picked.map { classes[$0] }).velocity.scalars
            for (j, i) in picked.enumerated() { out.replaceSubrange((i * width)..<((i + 1) * width), with: v[(j * width)..<((j + 1) * width)]) }
        }
        return Tensor(out, shape: x.shape)
    }

    /// `network` as the student's consistency function f(x, t) (its preconditioning shifted to σ_min).
    func model(_ network: any Network) throws -> TrainedModel {
        try TrainedModel(network: network, path: teacher.path, objective: objective, conditioning: conditioning)
    }

    func rows(_ values: [Double], like x: Tensor) -> Tensor {
        Tensor(values.map(Float.init), shape: [values.count] + [Int](repeating: 1, count: x.rank - 1))
    }
}
