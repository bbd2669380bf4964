import XCTest
import TensorCore
import Generative
@testable import Samplers
import Presets

/// Same seed ⇒ the same samples, whether N is drawn in one batch or several, on 1 or 2 threads:
/// every random draw is keyed by (seed, sample index), and no step mixes samples.
final class BatchInvarianceTests: XCTestCase {
    override func tearDown() { ComputeThreads.set(2) }

    func draw(_ sampler: Sampler, _ model: any DiffusionModel, count: Int, batch: Int, threads: Int) throws -> [Float] {
        ComputeThreads.set(threads)
        let key = RandomKey(seed: 42)
        var out = [Float]()
        var first = 0
        while first < count {
            let b = min(batch, count - first)
            let noise = Sampler.initialNoise(count: b, sampleShape: model.sampleShape, key: key, firstSample: first)
            out += try sampler.sample(model, noise: noise, key: key, firstSample: first).samples.scalars
            first += b
        }
        return out
    }

    func testSplitsAndThreadCountsGiveIdenticalSamples() throws {
        let model = separatedMixture(.standard(.vp))
        let overrides: [String: [String: JSONValue]] = ["em-500": ["steps": .number(60)], "pc-langevin": ["steps": .number(40)]]
        for name in ["heun-karras-18", "ddim-50", "dpmpp-2m-20", "em-500", "ancestral-100", "pc-langevin", "edm-churn", "dpmpp-2m-sde-20"] {
            let sampler = try PresetLibrary.resolve(name, in: [presetDirectory], overrides: overrides[name] ?? [:]).sampler
            let whole = try draw(sampler, model, count: 96, batch: 96, threads: 1)
            XCTAssertTrue(whole.allSatisfy(\.isFinite), name)
            XCTAssertEqual(try draw(sampler, model, count: 96, batch: 40, threads: 1), whole, "\(name): batches of 40")
            XCTAssertEqual(try draw(sampler, model, count: 96, batch: 7, threads: 2), whole, "\(name): batches of 7, 2 threads")
            XCTAssertEqual(try draw(sampler, model, count: 96, batch: 96, threads: 2), whole, "\(name): 2 threads")
        }
    }

    func testDifferentSeedsGiveDifferentNoise() throws {
        let model = separatedMixture(.standard(.vp))
        let sampler = try PresetLibrary.resolve("ancestral-100", in: [presetDirectory], overrides: ["steps": .number(10)]).sampler
        let noise = Sampler.initialNoise(count: 8, sampleShape: [2], key: RandomKey(seed: 1))
        let a = try sampler.sample(model, noise: noise, key: RandomKey(seed: 1)).samples.scalars
        let b = try sampler.sample(model, noise: noise, key: RandomKey(seed: 2)).samples.scalars
        XCTAssertNotEqual(a, b)
    }
}
