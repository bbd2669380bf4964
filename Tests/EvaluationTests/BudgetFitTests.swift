import XCTest
import Foundation
import TensorCore
import Generative
import Samplers
import Presets
@testable import Evaluation

final class BudgetFitTests: XCTestCase {
    let ring = try! GaussianMixture.load(from: URL(fileURLWithPath: #filePath).deletingLastPathComponent()
        .deletingLastPathComponent().deletingLastPathComponent().appendingPathComponent("checkpoints/gmm-ring8.json"))

    func preset(_ name: String) throws -> Sampler {
        try PresetLibrary.resolve(name, in: [URL(fileURLWithPath: #filePath).deletingLastPathComponent()
            .deletingLastPathComponent().deletingLastPathComponent().appendingPathComponent("samplers")]).sampler
    }

    func testFixedGridsGetTheMostStepsWithinTheBudget() throws {
        // Heun to σ = 0 on the exact mixture: 2 per step; EDM churn: 2 per step but 1 on the step to 0;
        // DPM-Solver++(2M): 1 per step; PC with one corrector: 2 per step, 1 on the last (σ = 0 has no corrector).
        let cases: [(String, Int, Int, Int)] = [("heun-karras-18", 7, 3, 6), ("edm-churn", 7, 4, 7), ("dpmpp-2m-20", 7, 7, 7),
                                                ("euler-50", 1, 1, 1)]
        for (name, budget, steps, nfe) in cases {
            let f = try XCTUnwrap(BudgetFit.fixed(try preset(name), budget: budget, model: ring), name)
            XCTAssertEqual(f.steps, steps, name)
            XCTAssertEqual(f.sampler.plannedEvaluations(for: ring), nfe, name)
            let r = try f.sampler.sample(ring, noise: Sampler.initialNoise(count: 10, sampleShape: [2], key: RandomKey(seed: 0)), key: RandomKey(seed: 0))
            XCTAssertEqual(r.evaluations, nfe, "\(name): the run spends what was planned")
        }
        XCTAssertNil(BudgetFit.fixed(try preset("rk4-20"), budget: 3, model: ring), "one RK4 step needs 4")
    }

    func testAdaptiveSolversGetTheTightestToleranceWithinTheBudget() throws {
        let noise = Sampler.initialNoise(count: 100, sampleShape: [2], key: RandomKey(seed: 1))
        let (loose, r1) = try XCTUnwrap(try BudgetFit.adaptive(try preset("dopri5"), budget: 60, model: ring, noise: noise, key: RandomKey(seed: 1)))
        let (tight, r2) = try XCTUnwrap(try BudgetFit.adaptive(try preset("dopri5"), budget: 200, model: ring, noise: noise, key: RandomKey(seed: 1)))
        XCTAssertLessThanOrEqual(r1.evaluations, 60)
        XCTAssertLessThanOrEqual(r2.evaluations, 200)
        XCTAssertLessThan(try XCTUnwrap(tight.rtol), try XCTUnwrap(loose.rtol))
        XCTAssertNil(try BudgetFit.adaptive(try preset("dopri5"), budget: 5, model: ring, noise: noise, key: RandomKey(seed: 1)))
    }
}
