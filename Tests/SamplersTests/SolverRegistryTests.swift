import XCTest
import Foundation
import TensorCore
import Generative
@testable import Samplers
import Presets

/// A solver outside Drift, as a user would add one: its algorithm and its registry entry
/// (here Ralston's second-order method, the explicit RK2 of minimal error bound; Ralston 1962).
extension SolverEntry {
    static let ralston = SolverEntry(
        ButcherTableau(name: "ralston", a: [[], [2.0 / 3]], b: [0.25, 0.75], c: [0, 2.0 / 3], order: 2),
        summary: "Ralston's RK2")
}

/// One route from a solver's name to the solver: the registry.
final class SolverRegistryTests: XCTestCase {
    func testAddingASolverIsItsEntryPlusOneRegistryLine() throws {
        // The one line:
        let registry = SolverRegistry(SolverRegistry.standard.entries + [.ralston])

        let preset = #"{"solver": "ralston", "steps": 40}"#
        XCTAssertThrowsError(try SamplerPreset.decode(Data(preset.utf8), source: "r.json")) { error in
            XCTAssertTrue("\(error)".contains("unknown solver 'ralston'"), "\(error)")
        }
        let decoded = try SamplerPreset.decode(Data(preset.utf8), source: "r.json", registry: registry)
        XCTAssertEqual(decoded.solverName, "ralston")
        XCTAssertEqual(decoded.sampler.solver.order, 2)
        XCTAssertFalse(decoded.sampler.isStochastic)
        // A field that does not apply to it is refused, as for any shipped solver.
        XCTAssertThrowsError(try SamplerPreset.decode(Data(#"{"solver": "ralston", "steps": 4, "eta": 1}"#.utf8), source: "r.json",
                                                      registry: registry)) { error in
            XCTAssertTrue("\(error)".contains("field 'eta' does not apply to solver 'ralston'"), "\(error)")
        }
        // It samples the exact mixture as every solver does: 2 evaluations per step, second order.
        let ring = try GaussianMixture.load(from: presetDirectory.deletingLastPathComponent().appendingPathComponent("checkpoints/gmm-ring8.json"))
        let key = RandomKey(seed: 1)
        let noise = Sampler.initialNoise(count: 64, sampleShape: [2], key: key)
        let fine = try Sampler(solver: RungeKutta(.rk4), grid: TimeGrid(.uniform, steps: 1280)).sample(ring, noise: noise, key: key).samples
        var errors = [Double]()
        for steps in [40, 80, 160] {
            var s = decoded.sampler
            s.grid.steps = steps
            let r = try s.sample(ring, noise: noise, key: key)
            XCTAssertEqual(r.evaluations, 2 * steps)
            errors.append(maxAbsDifference(r.samples, fine))
        }
        let order = fittedOrder(stepSizes: [1.0 / 40, 1.0 / 80, 1.0 / 160], errors: errors)
        XCTAssertEqual(order, 2, accuracy: 0.3, "errors \(errors)")
    }

    func testTheRegistryListsEveryShippedSolverOnceAndTheCNFChoiceIsItsRungeKuttaPart() {
        let names = SolverRegistry.standard.names
        XCTAssertEqual(names, ["euler", "heun", "midpoint", "rk4", "bosh3", "dopri5", "ddim", "dpmpp-2m", "dpmpp-3m",
                               "dpmpp-3m-sde", "ipndm", "deis", "unipc", "restart", "euler-maruyama", "ancestral", "pc", "edm",
                               "dpmpp-2m-sde", "consistency"])
        XCTAssertEqual(SolverRegistry.standard.rungeKutta.map(\.name), ["euler", "heun", "midpoint", "rk4", "bosh3", "dopri5"])
        XCTAssertEqual(SolverRegistry.standard.rungeKutta.filter { RungeKutta($0.tableau!).isAdaptive }.map(\.name), ["bosh3", "dopri5"])
    }
}
