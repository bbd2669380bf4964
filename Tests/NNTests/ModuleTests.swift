import Foundation
import XCTest
import TensorCore
@testable import NN

/// Parameters listed under stable keys, loaded and replaced by key with clear errors.
final class ModuleTests: XCTestCase {
    func testMLP2DHasTheReferenceKeysShapesAndCount() throws {
        let model = try MLP(.mlp2d, key: RandomKey(seed: 0))
        // state_dict names and shapes of torch_reference.py's MLP2D.
        let expected: [(String, [Int])] = [
            ("time_proj.weight", [256, 64]), ("time_proj.bias", [256]),
            ("in_proj.weight", [256, 2]), ("in_proj.bias", [256]),
            ("blocks.0.weight", [256, 256]), ("blocks.0.bias", [256]),
            ("blocks.1.weight", [256, 256]), ("blocks.1.bias", [256]),
            ("blocks.2.weight", [256, 256]), ("blocks.2.bias", [256]),
            ("out.weight", [2, 256]), ("out.bias", [2]),
        ]
        XCTAssertEqual(model.namedParameters.map(\.key), expected.map(\.0))
        XCTAssertEqual(model.namedParameters.map(\.tensor.shape), expected.map(\.1))
        XCTAssertEqual(model.parameterCount, 215_298)
        XCTAssertEqual(model.parameterCount, ModelPreset.mlp2d.referenceParameterCount)
    }

    func testLoadingRejectsWrongShapesMissingAndUnknownKeysWithoutChangingTheModel() throws {
        let model = try MLP(MLPConfig(width: 8, depth: 1, timeEmbeddingDimension: 4), key: RandomKey(seed: 1))
        let before = model.parameterSnapshot()
        var values = before
        values["blocks.0.weight"] = Tensor.zeros([8, 9])
        XCTAssertThrowsError(try model.loadParameters(values)) { error in
            XCTAssertEqual(error as? ModuleError, .shapeMismatch(key: "blocks.0.weight", expected: [8, 8], found: [8, 9]))
            XCTAssertTrue("\(error)".contains("blocks.0.weight") && "\(error)".contains("[8, 9]") && "\(error)".contains("[8, 8]"))
        }
        values = before
        values["out.bias"] = nil
        XCTAssertThrowsError(try model.loadParameters(values)) { XCTAssertEqual($0 as? ModuleError, .missingParameter(key: "out.bias")) }
        values = before
        values["extra.weight"] = Tensor.zeros([1])
        XCTAssertThrowsError(try model.loadParameters(values)) { XCTAssertEqual($0 as? ModuleError, .unexpectedParameter(key: "extra.weight")) }
        XCTAssertNoThrow(try model.loadParameters(["out.bias": Tensor([5, 6])], strict: false))
        XCTAssertEqual(model.parameterSnapshot()["out.bias"]!.scalars, [5, 6])
        XCTAssertEqual(model.parameterSnapshot()["blocks.0.weight"]!.scalars, before["blocks.0.weight"]!.scalars)
    }

    func testLoadedParametersAreCopiesAndRoundTrip() throws {
        let a = try MLP(MLPConfig(width: 8, depth: 2, timeEmbeddingDimension: 4), key: RandomKey(seed: 1))
        let b = try MLP(MLPConfig(width: 8, depth: 2, timeEmbeddingDimension: 4), key: RandomKey(seed: 2))
        let snapshot = a.parameterSnapshot()
        try b.loadParameters(snapshot)
        let x = randn([3, 2], seed: 3), t = Tensor([0.1, 0.5, 0.9])
        XCTAssertEqual(b(x: x, t: t).scalars, a(x: x, t: t).scalars)
        snapshot["out.bias"]!.withUnsafeMutableBufferPointer { $0[0] += 1 }
        XCTAssertEqual(b(x: x, t: t).scalars, a(x: x, t: t).scalars, "the model must not share storage with the loaded dictionary")
        XCTAssertThrowsError(try b.setParameter("out.bias", to: Tensor([1, 2, 3])))
        XCTAssertThrowsError(try b.setParameter("nope", to: Tensor([1])))
        try b.setParameter("out.bias", to: Tensor([1, 2]))
        XCTAssertEqual(b.parameterSnapshot()["out.bias"]!.scalars, [1, 2])
    }

    func testInitializationIsPyTorchsUniformBoundAndDependsOnlyOnTheKey() throws {
        let l = Linear(64, 16, key: RandomKey(seed: 4))
        let bound = 1 / Float(64).squareRoot()
        for v in l.weight.scalars + l.bias.scalars { XCTAssertLessThanOrEqual(abs(v), bound) }
        let w = l.weight.scalars
        let mean = w.reduce(0, +) / Float(w.count)
        let variance = w.map { ($0 - mean) * ($0 - mean) }.reduce(0, +) / Float(w.count)
        XCTAssertEqual(variance, bound * bound / 3, accuracy: 0.15 * bound * bound / 3)   // U(−b, b) has variance b²/3
        XCTAssertEqual(Linear(64, 16, key: RandomKey(seed: 4)).weight.scalars, w)
        XCTAssertNotEqual(Linear(64, 16, key: RandomKey(seed: 5)).weight.scalars, w)
    }

    func testModelConfigJSONRoundTripsAndNamesTheArchitecture() throws {
        for preset in ModelPreset.allCases {
            let data = try JSONEncoder().encode(preset.config)
            let json = String(decoding: data, as: UTF8.self)
            XCTAssertTrue(json.contains("\"architecture\""), json)
            XCTAssertEqual(try JSONDecoder().decode(ModelConfig.self, from: data), preset.config)
        }
        let bad = Data(#"{"architecture":"transformer"}"#.utf8)
        XCTAssertThrowsError(try JSONDecoder().decode(ModelConfig.self, from: bad))
    }

    func testInvalidConfigurationsAreThrownErrorsNamingTheProblem() {
        XCTAssertThrowsError(try ModelConfig.mlp(MLPConfig(timeEmbeddingDimension: 3)).build(key: RandomKey(seed: 0))) {
            XCTAssertTrue("\($0)".contains("timeEmbeddingDimension"), "\($0)")
        }
        var u = UNetConfig.unet28
        u.baseChannels = 12
        XCTAssertThrowsError(try ModelConfig.unet(u).validate()) { XCTAssertTrue("\($0)".contains("divisible by 8"), "\($0)") }
        u = .unet28
        u.imageSize = 30
        XCTAssertThrowsError(try ModelConfig.unet(u).validate()) { XCTAssertTrue("\($0)".contains("imageSize 30"), "\($0)") }
        u = .unet28
        u.attentionResolutions = [5]
        XCTAssertThrowsError(try ModelConfig.unet(u).validate()) { XCTAssertTrue("\($0)".contains("attention resolution 5"), "\($0)") }
    }
}

/// Gradients inside a loss: `valueWithGradient(of:)` nests, and with `createGraph` its
/// gradients are differentiated again (a gradient-norm penalty, checked by finite differences).
final class NestedGradientTests: XCTestCase {
    func testAGradientPenaltyInsideTheLossIsDifferentiatedThroughTheInnerGradient() throws {
        let layer = Linear(3, 2, key: RandomKey(seed: 3))
        let x = Tensor.randomNormal([5, 3], key: RandomKey(seed: 4))
        func inner() -> Tensor { layer(x).silu().square().sum() }
        /// inner + ½‖∇θ inner‖², its gradient taken through the inner gradient.
        func penalized() -> Tensor {
            let g = valueWithGradient(of: layer, wrt: [], createGraph: true) { _ in inner() }.gradients
            return inner() + 0.5 * g.values.map { $0.square().sum() }.reduce(Tensor(scalar: 0), +)
        }
        let (_, outer) = valueWithGradient(of: layer) { penalized() }
        XCTAssertFalse(layer.weight.isTracked, "the module's parameters are plain tensors again")
        let w = layer.weight.copy()
        for e in [0, 2, 5] {
            func value(_ d: Float) throws -> Double {
                let moved = w.copy()
                moved.withUnsafeMutableBufferPointer { $0[e] += d }
                try layer.setParameter("weight", to: moved)
                return Double(penalized().item)
            }
            let numeric = (try value(1e-2) - value(-1e-2)) / 2e-2
            try layer.setParameter("weight", to: w)
            let analytic = Double(outer["weight"]!.scalars[e])
            XCTAssertEqual(analytic, numeric, accuracy: 2e-2 * Swift.max(1, Swift.abs(numeric)), "weight element \(e)")
        }
        // Without the penalty's second-order path (the inner gradient treated as a constant) the gradient differs.
        let (_, cut) = valueWithGradient(of: layer) {
            let g = valueWithGradient(of: layer, wrt: []) { _ in inner() }.gradients
            return inner() + 0.5 * g.values.map { $0.square().sum() }.reduce(Tensor(scalar: 0), +)
        }
        XCTAssertGreaterThan(zip(cut["weight"]!.scalars, outer["weight"]!.scalars).map { Swift.abs($0 - $1) }.max()!, 1e-3)
    }
}

/// Several threads differentiating one module at once (the shards of a training batch side by
/// side): `withParametersOnTape` puts the parameters on the tape once, the gradients inside only
/// read the module, and each thread's gradients are those it gets alone, with serial kernels.
final class SideBySideGradientTests: XCTestCase {
    func testThreadsDifferentiatingOneModuleOnTheTapeGetTheGradientsEachGetsAlone() throws {
        let layer = Linear(16, 8, key: RandomKey(seed: 5))
        let inputs = (0..<4).map { Tensor.randomNormal([64, 16], key: RandomKey(seed: 10 + UInt64($0))) }
        func loss(_ x: Tensor) -> Tensor { layer(x).silu().square().mean() }
        let alone = inputs.map { x in valueWithGradient(of: layer) { loss(x) }.gradients }
        XCTAssertFalse(layer.weight.isTracked)

        var together = [[String: Tensor]](repeating: [:], count: inputs.count)
        withParametersOnTape(layer) {
            XCTAssertTrue(layer.weight.isTracked && layer.bias.isTracked)
            together.withUnsafeMutableBufferPointer { out in
                nonisolated(unsafe) let out = out
                parallelTasks(inputs.count, maxTasks: inputs.count) { i, _, _ in
                    ComputeThreads.serially {
                        XCTAssertEqual(ComputeThreads.count, 1, "kernels are serial inside serially")
                        out[i] = valueWithGradient(of: layer) { loss(inputs[i]) }.gradients
                    }
                }
            }
            XCTAssertTrue(layer.weight.isTracked, "nested gradients leave the module's tape leaves in place")
        }
        XCTAssertFalse(layer.weight.isTracked || layer.bias.isTracked, "the plain parameters are back afterwards")
        for i in inputs.indices {
            for (key, g) in alone[i] {
                XCTAssertEqual(g.scalars, together[i][key]?.scalars, "input \(i), \(key): differs from computing it alone")
            }
        }
    }

    func testSeriallyAffectsOnlyTheCallingThreadAndRestoresItsSetting() {
        let before = ComputeThreads.count
        ComputeThreads.set(2)
        defer { ComputeThreads.set(before) }
        nonisolated(unsafe) var other = 0
        ComputeThreads.serially {
            XCTAssertEqual(ComputeThreads.count, 1)
            ComputeThreads.serially { XCTAssertEqual(ComputeThreads.count, 1) }
            XCTAssertEqual(ComputeThreads.count, 1, "an inner serially does not end the outer one")
            let done = DispatchSemaphore(value: 0)
            Thread { other = ComputeThreads.count; done.signal() }.start()
            done.wait()
        }
        XCTAssertEqual(other, 2, "another thread keeps the process's thread count")
        XCTAssertEqual(ComputeThreads.count, 2)
    }
}
