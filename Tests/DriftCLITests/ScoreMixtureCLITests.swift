import Foundation
import XCTest
import DriftIO
import Evaluation
import Generative
import Samplers
import Presets
import TensorCore

/// An analytic mixture spec without a `parametrization` field is a score model. On the rectified
/// path its exact fields are defined at t = 1 too (α = 0), so every preset samples it from the CLI,
/// wrapped as the CLI wraps every model (`GuidedModel`), and lands where the exact flow does.
final class ScoreMixtureCLITests: XCTestCase {
    let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()

    func samples(_ file: URL) throws -> Tensor {
        let r = try HDF5Reader(path: file.path)
        defer { r.close() }
        return try r.readTensor("/samples")
    }

    func testAScoreParametrizedMixtureSamplesWithEveryPresetAndMatchesTheExactFlow() throws {
        let folder = temporaryFolder()
        defer { try? FileManager.default.removeItem(at: folder) }
        // The ring spec as shipped, less its "parametrization": a score model.
        var spec = try JSONSerialization.jsonObject(with: Data(contentsOf: root.appendingPathComponent("checkpoints/gmm-ring8.json"))) as! [String: Any]
        XCTAssertEqual(spec.removeValue(forKey: "parametrization") as? String, "velocity")
        let scoreSpec = folder.appendingPathComponent("ring-score.json")
        try JSONSerialization.data(withJSONObject: spec).write(to: scoreSpec)
        let mixture = try GaussianMixture.load(from: scoreSpec)
        XCTAssertEqual(mixture.parametrization, .score)

        let n = 200
        let noise = Tensor.randomNormal([n, 2], key: RandomKey(seed: 5))
        let noiseFile = folder.appendingPathComponent("noise.h5")
        try HDF5Writer.write(to: noiseFile.path) { try $0.write(noise, to: "/noise") }
        let presets = root.appendingPathComponent("samplers")
        let names = PresetLibrary.names(in: presets)
        XCTAssertGreaterThan(names.count, 20)
        for name in names {
            let preset = try PresetLibrary.resolve(name, in: [presets])
            let out = folder.appendingPathComponent("\(name).h5"), velocityOut = folder.appendingPathComponent("\(name)-velocity.h5")
            let args = ["sample", "--sampler", name, "--n", "\(n)", "--init-noise", noiseFile.path, "--png", "none"]
            let run = try DriftProcess.run(args + ["--model", scoreSpec.path, "--out", out.path], in: root)
            XCTAssertEqual(run.status, 0, "\(name): \(run.stderr)")
            guard run.status == 0 else { continue }
            let x = try samples(out)
            XCTAssertTrue(x.scalars.allSatisfy(\.isFinite), name)
            // The exact mixture's fields do not depend on what it is said to predict.
            let velocityRun = try DriftProcess.run(args + ["--model", root.appendingPathComponent("checkpoints/gmm-ring8.json").path,
                                                           "--out", velocityOut.path], in: root)
            XCTAssertEqual(velocityRun.status, 0, "\(name): \(velocityRun.stderr)")
            let v = try samples(velocityOut)
            let largest = zip(x.scalars, v.scalars).map { abs($0 - $1) }.max() ?? .infinity
            XCTAssertLessThan(largest, 1e-4, "\(name): score and velocity specs of one mixture differ by \(largest)")
            // Deterministic presets land on the exact flow map of the same noise: closely from 20
            // evaluations on (or adaptive), within their discretization error at 5–10 (at 5 on this
            // ring, RMS: DEIS 0.20, iPNDM in σ/α 0.42, DPM-Solver++(2M) 0.65; docs/sampling.md).
            if !preset.sampler.isStochastic {
                let planned = preset.sampler.plannedEvaluations(for: mixture)
                let bound = planned.map { $0 >= 20 ? 0.05 : $0 >= 10 ? 0.25 : 0.5 } ?? 0.01
                let exact = try MixtureFlowOracle(model: mixture).endpoints(of: preset.sampler, noise: noise)
                let rms = (zip(x.scalars, exact.values).map { pow(Double($0) - $1, 2) }.reduce(0, +) / Double(n)).squareRoot()
                print("\(name): RMS distance to the exact flow map \(rms)")
                XCTAssertLessThan(rms, bound, name)
            }
        }
    }
}
