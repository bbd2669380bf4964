import Foundation
import Generative
import NN
import Samplers
import TensorCore

/// Per-model settings of torch_reference.py's MODELS table.
struct BenchSpec {
    let preset: ModelPreset
    let learningRate: Float
    let trainBatch: Int
    let inferBatches: [Int]
    let sampleBatch: Int
    /// Batches in the fixed data pool (mlp2d 64, images 16).
    let poolBatches: Int
    /// FLOPs per sample as torch's FlopCounterMode counts them (matmul/conv/bmm, 2 per MAC),
    /// from `torch_reference.py --describe`; training omits the input gradients of the
    /// first layers (x_t and the time embedding need none).
    let forwardFlopsPerSample: Double
    let trainFlopsPerSample: Double

    init(_ preset: ModelPreset) {
        self.preset = preset
        switch preset {
        case .mlp2d:
            (learningRate, trainBatch, inferBatches, sampleBatch, poolBatches) = (1e-3, 4096, [4096], 4096, 64)
            (forwardFlopsPerSample, trainFlopsPerSample) = (428_032, 1_250_304)
        case .unet28:
            (learningRate, trainBatch, inferBatches, sampleBatch, poolBatches) = (2e-4, 64, [64, 256], 64, 16)
            (forwardFlopsPerSample, trainFlopsPerSample) = (435_407_360, 1_305_704_960)
        case .unetTiny:
            (learningRate, trainBatch, inferBatches, sampleBatch, poolBatches) = (2e-4, 64, [64], 64, 16)
            (forwardFlopsPerSample, trainFlopsPerSample) = (17_576_000, 52_613_056)
        }
    }

    var sampleShape: [Int] { preset.config.sampleShape }
}

/// Runs `body` `warmup` times, calibrates K from one more call so a block takes at least
/// `minBlockSeconds`, then times `reps` blocks of K calls (torch_reference.py's `time_blocks`).
struct BlockTimer {
    let warmup: Int, reps: Int, minBlockSeconds: Double

    func time(_ body: () -> Void) -> (perCall: [Double], k: Int) {
        for _ in 0..<warmup { body() }
        let one = BlockTimer.seconds(body)
        let k = max(1, min(1000, Int((minBlockSeconds / max(one, 1e-9)).rounded(.up))))
        let per = (0..<reps).map { _ in BlockTimer.seconds { for _ in 0..<k { body() } } / Double(k) }
        return (per, k)
    }

    static func seconds(_ body: () -> Void) -> Double {
        let t0 = DispatchTime.now().uptimeNanoseconds
        body()
        return Double(DispatchTime.now().uptimeNanoseconds - t0) / 1e9
    }
}

enum BenchSampler: String { case euler, heun }

/// The benchmark workloads of torch_reference.py on a Drift network.
/// Convention of the reference: x0 ~ N(0, I) is noise, x1 data, x_t = (1 − t)x0 + t·x1,
/// velocity target x1 − x0, sampling from t = 0 to 1.
struct Bench {
    let spec: BenchSpec
    let network: any Network
    let timing: BlockTimer
    let key: RandomKey

    /// Fixed pool of data batches: an 8-Gaussian mixture (mlp2d) or U(−1, 1) images.
    func dataPool(batch: Int) -> [Tensor] {
        let k = key.fold("data")
        return (0..<spec.poolBatches).map { i in
            let shape = [batch] + spec.sampleShape
            guard spec.preset == .mlp2d else { return Tensor.randomUniform(shape, key: k, firstSample: i * batch) * 2 - 1 }
            let u = Tensor.randomUniform([batch], key: k.fold("component"), firstSample: i * batch).scalars
            let centres = u.flatMap { u -> [Float] in
                let angle = 2 * Float.pi * Float(min(Int(u * 8), 7)) / 8
                return [2 * Foundation.cos(angle), 2 * Foundation.sin(angle)]
            }
            return Tensor(centres, shape: shape) + 0.1 * Tensor.randomNormal(shape, key: k.fold("noise"), firstSample: i * batch)
        }
    }

    /// Per-sample times reshaped to broadcast against a batch of samples.
    func broadcastable(_ t: Tensor) -> Tensor { t.reshaped([t.count] + spec.sampleShape.map { _ in 1 }) }

    func train(batch: Int) -> BenchRun {
        let pool = dataPool(batch: batch)
        let optimizer = Adam(learningRate: spec.learningRate)
        let noiseKey = key.fold("train-noise"), timeKey = key.fold("train-time")
        var step = 0
        var lastLoss: Float = .nan
        let (per, k) = timing.time {
            let x1 = pool[step % pool.count]
            let x0 = Tensor.randomNormal(x1.shape, key: noiseKey, firstSample: step * batch)
            let t = Tensor.randomUniform([batch], key: timeKey, firstSample: step * batch)
            let tb = broadcastable(t)
            let xt = (1 - tb) * x0 + tb * x1
            let target = x1 - x0
            let (loss, grads) = valueWithGradient(of: network) { (network(x: xt, t: t) - target).square().mean() }
            optimizer.step(network, gradients: grads)
            lastLoss = loss
            step += 1
        }
        let s = BenchStats(per)
        var run = BenchRun(batch: batch)
        run.adam = "default"
        run.stepsPerBlock = k
        run.stepS = s
        run.stepsPerS = s.rate(1)
        run.samplesPerS = s.rate(Double(batch))
        run.achievedGflopsMedian = spec.trainFlopsPerSample * Double(batch) / s.median / 1e9
        run.finalLoss = Double(lastLoss)
        return run
    }

    func infer(batch: Int) -> BenchRun {
        let k0 = key.fold("infer")
        let x = Tensor.randomNormal([batch] + spec.sampleShape, key: k0.fold("x"))
        let t = Tensor.randomUniform([batch], key: k0.fold("t"))
        let (per, k) = timing.time { _ = network(x: x, t: t) }
        let s = BenchStats(per)
        var run = BenchRun(batch: batch)
        run.fwdPerBlock = k
        run.forwardS = s
        run.samplesNfePerS = s.rate(Double(batch))
        run.achievedGflopsMedian = spec.forwardFlopsPerSample * Double(batch) / s.median / 1e9
        return run
    }

    func sample(batch: Int, samplers: [(BenchSampler, Int)], runs: Int, warmup: Int) -> [BenchRun] {
        let shape = [batch] + spec.sampleShape
        let xw = Tensor.randomNormal(shape, key: key.fold("warmup"))
        for i in 0..<warmup { _ = network(x: xw, t: Tensor.randomUniform([batch], key: key.fold("warmup-t").fold(UInt64(i)))) }
        return samplers.map { sampler, steps in
            var times: [Double] = []
            var nfe = 0
            var y = xw
            for r in 0..<runs {
                let x = Tensor.randomNormal(shape, key: key.fold("sample").fold(UInt64(r)))
                times.append(BlockTimer.seconds { (y, nfe) = integrate(sampler, steps: steps, from: x) })
            }
            let s = BenchStats(times)
            var run = BenchRun(batch: batch)
            run.sampler = sampler.rawValue
            run.steps = steps
            run.nfe = nfe
            run.wallS = s
            run.samplesNfePerSMedian = Double(batch * nfe) / s.median
            run.achievedGflopsMedian = spec.forwardFlopsPerSample * Double(batch * nfe) / s.median / 1e9
            let v = y.scalars.map(Double.init)
            let mean = v.reduce(0, +) / Double(v.count)
            run.outputStd = (v.map { ($0 - mean) * ($0 - mean) }.reduce(0, +) / Double(max(v.count - 1, 1))).squareRoot()
            return run
        }
    }

    /// Euler (N steps, N NFE) or Heun (N steps, 2N NFE, trapezoidal on every step): Drift's own
    /// `Sampler` (Butcher tableau, `solve` loop, uniform grid) on the network as a velocity model of
    /// the rectified path, so the benchmark times what `drift sample` runs. The reference integrates
    /// dx/ds = v(x, s) from s = 0 (noise) to 1; Drift's path runs t = 1 − s from noise to data, where
    /// dx/dt = −v(x, 1 − t): the same trajectory and the same evaluations.
    func integrate(_ sampler: BenchSampler, steps n: Int, from x0: Tensor) -> (Tensor, Int) {
        let tableau: ButcherTableau = sampler == .euler ? .euler : .heun
        let s = Sampler(solver: RungeKutta(tableau), grid: TimeGrid(.uniform, steps: n))
        let model = ReferenceTimeVelocity(network: network)
        guard let r = try? s.sample(model, noise: x0, key: key) else {
            preconditionFailure("bench: a uniform Euler/Heun grid on the rectified path cannot fail")
        }
        return (r.samples, r.evaluations)
    }
}

/// The reference's velocity network v(x, s) (s = 0 noise) as a Drift velocity model on the
/// rectified path (t = 1 noise): u(x, t) = −v(x, 1 − t).
struct ReferenceTimeVelocity: DiffusionModel {
    let network: any Network
    var path: GaussianPath { .standard(.rectified) }
    var parametrization: Parametrization { .velocity }
    var sampleShape: [Int] { network.sampleShape }
    func evaluate(_ x: Tensor, t: Double) -> Tensor {
        -network(x: x, t: Tensor.full([x.shape[0]], Float(1 - t)))
    }
}
