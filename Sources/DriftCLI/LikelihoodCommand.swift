import ArgumentParser
import Datasets
import DriftIO
import Evaluation
import Foundation
import Generative
import MessagePassing
import Plotting
import Samplers
import TensorCore
import Training

/// `drift likelihood`: negative log-likelihood of data under a model's probability-flow ODE.
struct LikelihoodCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "likelihood",
        abstract: "NLL of data through the probability-flow ODE (instantaneous change of variables, adaptive Dormand–Prince).",
        discussion: """
            Examples:
              drift likelihood --model checkpoints/gmm-ring8.json --data gmm:checkpoints/gmm-ring8.json --n 1000 --json
              drift likelihood --model run/checkpoint.h5 --data fashion-mnist:test --n 256 --estimator hutchinson --probes 1
            The divergence is exact (d vector–Jacobian products) by default up to 16 dimensions, else Hutchinson's
            estimator with --probes probes per sample, fixed along each trajectory and keyed by (seed, sample).
            Image data (8-bit) is dequantized uniformly and also reported in bits/dim. --json prints one object:
            nll_mean, nll_se (nats), bits_per_dim (images), nfe (evaluations of the largest batch), n, seconds, and
            exact_nll_mean when the model is an analytic mixture (its exact log-density of the same points).
            Adaptive steps follow the error of a whole batch: results depend on --batch within the tolerance.
            """)

    enum EstimatorChoice: String, ExpressibleByArgument, CaseIterable { case exact, hutchinson }

    @OptionGroup var modelOption: ModelOption
    @Option(help: "Data: fashion-mnist[:test], toy:NAME, gmm:FILE.json or folder:PATH.") var data: String
    @Option(help: "Number of data points.") var n: Int = 1000
    @OptionGroup var seeding: SeedOption
    @Option(help: "Divergence: exact or hutchinson (default: exact up to 16 dimensions).") var estimator: EstimatorChoice?
    @Option(help: "Hutchinson probes per sample.") var probes: Int = 1
    @Option(help: "Hutchinson probe distribution: rademacher or gaussian.") var probe: ProbeDistribution = .rademacher
    @Option(parsing: .unconditional, help: "Relative tolerance of the adaptive solve.") var rtol: Double = 1e-5
    @Option(parsing: .unconditional, help: "Absolute tolerance of the adaptive solve.") var atol: Double = 1e-5
    @Option(help: "Data points per solve.") var batch: Int = 500
    @OptionGroup var threading: ThreadOptions
    @Flag(help: "Print exactly one JSON object.") var json = false
    @Option(help: "2-D models: also write the model's density p(x) = exp(−NLL) on a grid as a heat map PNG.") var heatmap: String?
    @Option(name: .customLong("heatmap-cells"), help: "Grid cells per side of the heat map (default 100).") var heatmapCells: Int = 100
    @Option(name: .customLong("heatmap-range"), help: "The heat map covers [−L, L]² (default 3).") var heatmapRange: Double = 3

    var model: String { modelOption.model }
    /// The seed of the data order, the dequantization and the probes.
    var seed: UInt64 { seeding.seed ?? 0 }

    func validate() throws {
        if n < 2 { throw ValidationError("--n must be ≥ 2, got \(n)") }
        if probes < 1 { throw ValidationError("--probes must be ≥ 1, got \(probes)") }
        if batch < 1 { throw ValidationError("--batch must be ≥ 1, got \(batch)") }
        if !(rtol >= 0 && atol >= 0 && rtol + atol > 0) { throw ValidationError("--rtol and --atol must be ≥ 0 and not both 0") }
        if let heatmap, !heatmap.lowercased().hasSuffix(".png") { throw ValidationError("--heatmap writes a PNG: give a path ending in .png, got '\(heatmap)'") }
        if !(2...1000).contains(heatmapCells) { throw ValidationError("--heatmap-cells must be in 2…1000, got \(heatmapCells)") }
        if !(heatmapRange > 0 && heatmapRange.isFinite) { throw ValidationError("--heatmap-range must be > 0, got \(heatmapRange)") }
    }

    func run() throws {
        do { try measure() } catch let e as CLIError { throw e } catch { throw CLIError(error) }
    }

    func measure() throws {
        threading.apply()
        let loaded = try ModelLoader.load(model)
        let m = loaded.model
        let spec = try DataSpec.parse(data, imageSize: m.sampleShape.last ?? 28, color: m.sampleShape.first == 1 ? .gray : .rgb)
        let flat = { (s: [Int]) in s.reduce(1, *) }
        // Mixture data and spec files are flat [D]; a model of shape [D] or any shape with D entries fits.
        guard spec.sampleShape == m.sampleShape || (spec.sampleShape.count == 1 && flat(spec.sampleShape) == flat(m.sampleShape)) else {
            throw CLIError("--data \(data) has samples of shape \(spec.sampleShape), but the model's are \(m.sampleShape)")
        }
        let d = flat(m.sampleShape)
        if heatmap != nil, d != 2 {
            throw CLIError("--heatmap draws the density of a 2-D model; this model's samples have \(d) dimensions")
        }
        let choice = estimator ?? (d <= 16 ? .exact : .hutchinson)
        if choice == .exact && d > 256 {
            throw CLIError("--estimator exact needs \(d) VJPs per evaluation for \(d)-dimensional data; use --estimator hutchinson")
        }
        let divergence: Divergence = choice == .exact ? .exact : .hutchinson(probes: probes, distribution: probe)
        let key = RandomKey(seed: seed)
        let source = try spec.makeSource()
        let likelihood = ProbabilityFlowLikelihood(model: m, estimator: divergence,
                                                   controller: PIController(rtol: rtol, atol: atol))
        var nll = [Double](), exact = [Double](), nfe = 0
        let start = Date()
        // Under mpirun each rank scores a contiguous share of the batches one process would run
        // (the same batches, so the adaptive solves and their results are the same), gathered on rank 0.
        let world = World.shared
        let mine = world.shareOfBatches(count: n, batch: batch)
        var first = mine.lowerBound
        while first < mine.upperBound {
            let b = min(batch, mine.upperBound - first)
            var x = source.examples(at: first, count: b, key: key.fold("data")).reshaped([b] + m.sampleShape)
            if spec.isImage { x = Self.dequantized(x, key: key.fold("dequantize"), firstSample: first) }
            let r = try likelihood.negativeLogLikelihood(x, key: key.fold("likelihood"), firstSample: first)
            nll += r.nll
            nfe = max(nfe, r.evaluations)
            if let gmm = m as? GaussianMixture { exact += gmm.logDensityValues(x, t: 0).map { -$0 } }
            first += b
            let elapsed = Date().timeIntervalSince(start)
            if !json || isatty(STDERR_FILENO) == 1 {
                let done = first - mine.lowerBound
                stderrLine(String(format: "likelihood: %d/%d  NFE %d  ETA %@", done, mine.count, r.evaluations,
                                  ProgressLine.duration(elapsed / Double(done) * Double(mine.count - done))))
            }
        }
        nfe = try world.maximum(nfe)
        let gatheredExact = try world.gather(exact)
        guard let everything = try world.gather(nll), let allExact = gatheredExact else { return }  // rank 0 reports
        nll = everything
        exact = allExact
        let seconds = Date().timeIntervalSince(start)
        if let heatmap { try drawHeatmap(likelihood, to: heatmap, key: key.fold("heatmap")) }
        let estimate = Estimate(mean: nll)
        var fields: [(String, String)] = [
            ("nll_mean", Self.number(estimate.value)), ("nll_se", Self.number(estimate.standardError)),
        ]
        if spec.isImage {
            fields.append(("bits_per_dim", Self.number(bitsPerDimension(nll: estimate.value, dimension: d))))
            fields.append(("bits_per_dim_se", Self.number(estimate.standardError / (Double(d) * Foundation.log(2)))))
        }
        if !exact.isEmpty { fields.append(("exact_nll_mean", Self.number(exact.reduce(0, +) / Double(exact.count)))) }
        let estimatorText = choice == .exact ? "exact" : "hutchinson"
        fields += [("nfe", "\(nfe)"), ("n", "\(n)"), ("seconds", String(format: "%.3f", seconds)),
                   ("estimator", "\"\(estimatorText)\"")]
        if choice == .hutchinson { fields += [("probes", "\(probes)"), ("probe", "\"\(probe.rawValue)\"")] }
        if let heatmap { fields.append(("heatmap", "\"\(heatmap)\"")) }
        if json {
            print("{" + fields.map { "\"\($0.0)\": \($0.1)" }.joined(separator: ", ") + "}")
        } else {
            var line = String(format: "NLL %.4f ± %.4f nats", estimate.value, estimate.standardError)
            if spec.isImage { line += String(format: " (%.4f bits/dim)", bitsPerDimension(nll: estimate.value, dimension: d)) }
            if !exact.isEmpty { line += String(format: "; exact %.4f", exact.reduce(0, +) / Double(exact.count)) }
            let how = choice == .exact ? "exact divergence" : "Hutchinson, \(probes) \(probe.rawValue) probe\(probes == 1 ? "" : "s")"
            print(line + String(format: " — n %d, %@, NFE %d, %.2f s", n, how, nfe, seconds))
        }
    }

    /// The model's density exp(−NLL) at the centres of a `--heatmap-cells`² grid over
    /// [−L, L]², through the same ODE and divergence as the data, drawn as a heat map.
    func drawHeatmap(_ likelihood: ProbabilityFlowLikelihood, to path: String, key: RandomKey) throws {
        let map = DensityMap(range: Float(-heatmapRange)...Float(heatmapRange), cells: heatmapCells, size: max(400, heatmapCells))
        let points = map.points
        var density: [Double] = []
        var first = 0
        while first < points.count {
            let b = min(batch, points.count - first)
            let x = Tensor(points[first..<(first + b)].flatMap { [$0.0, $0.1] }, shape: [b, 2])
            density += try likelihood.negativeLogLikelihood(x, key: key, firstSample: first).nll.map { Foundation.exp(-$0) }
            first += b
            if !json || isatty(STDERR_FILENO) == 1 { stderrLine("heat map: \(first)/\(points.count)") }
        }
        do {
            try map.write(density, to: path, text: [PNGText("Title", "density of \(model)"),
                                                    PNGText("peak", String(format: "%.4g", density.filter(\.isFinite).max() ?? 0))])
        } catch { throw CLIError("--heatmap \(path): \(CLIError(error).description)") }
    }

    /// x = 2·(k + u)/256 − 1 for the 8-bit levels k of images scaled to [−1, 1], u ~ U[0, 1) keyed by sample.
    static func dequantized(_ x: Tensor, key: RandomKey, firstSample: Int) -> Tensor {
        let u = Tensor.randomUniform(x.shape, key: key, firstSample: firstSample).scalars
        let values = zip(x.scalars, u).map { v, w -> Float in
            let k = ((v + 1) / 2 * 255).rounded()
            return 2 * (Swift.min(Swift.max(k, 0), 255) + w) / 256 - 1
        }
        return Tensor(values, shape: x.shape)
    }

    /// A JSON number (null when not finite).
    static func number(_ v: Double) -> String { v.isFinite ? "\(v)" : "null" }
}

extension ProbeDistribution: ExpressibleByArgument {}
