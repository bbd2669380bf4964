import XCTest
import TensorCore
@testable import NN

/// Class-conditional networks: a learned embedding per class plus the null class, added to the time embedding.
final class ClassConditioningTests: XCTestCase {
    let small = UNetConfig(inputChannels: 1, imageSize: 8, baseChannels: 8, channelMultipliers: [1, 2], attentionResolutions: [],
                           midAttention: false, timeEmbeddingInput: 16, timeEmbeddingDimension: 16, groups: 4, classCount: 3)

    func testTheEmbeddingLooksUpOneRowPerClassAndTheNullRowForNil() {
        let e = ClassEmbedding(classes: 3, dimension: 5, key: RandomKey(seed: 1))
        XCTAssertEqual(e.weight.shape, [4, 5])
        let out = e([2, nil, 0, 2])
        let w = e.weight.scalars
        XCTAssertEqual(out.rows(0..<1).scalars, Array(w[10..<15]))
        XCTAssertEqual(out.rows(1..<2).scalars, Array(w[15..<20]))
        XCTAssertEqual(out.rows(2..<3).scalars, Array(w[0..<5]))
        XCTAssertEqual(out.rows(3..<4).scalars, out.rows(0..<1).scalars)
    }

    func testTheEmbeddingGradientMatchesFiniteDifferences() {
        let e = ClassEmbedding(classes: 4, dimension: 3, key: RandomKey(seed: 2))
        let report = checkGradient(at: [e.weight]) { xs in
            e.weight = xs[0]
            return e([1, 3, nil, 1, 0])
        }
        XCTAssertTrue(report.passed, "\(report)")
    }

    func testAConditionalUNetsOutputDependsOnTheClassAndItsGradientsCheck() throws {
        let model = try UNet(small, key: RandomKey(seed: 3))
        XCTAssertTrue(model.parameterKeys.contains("class_emb.weight"))
        XCTAssertEqual(model.namedParameters.first { $0.key == "class_emb.weight" }?.tensor.shape, [4, 16])
        let x = randn([3, 1, 8, 8], seed: 4), t = Tensor([0.2, 0.5, 0.8])
        let a = model(x: x, t: t, classes: [0, 1, nil]), b = model(x: x, t: t, classes: [2, 1, 0])
        XCTAssertNotEqual(a.rows(0..<1).scalars, b.rows(0..<1).scalars)
        XCTAssertEqual(a.rows(1..<2).scalars, b.rows(1..<2).scalars)
        XCTAssertNotEqual(a.rows(2..<3).scalars, b.rows(2..<3).scalars)
        XCTAssertEqual(model(x: x, t: t).scalars, model(x: x, t: t, classes: [nil, nil, nil]).scalars)

        let keys = ["class_emb.weight", "temb_fc2.weight", "down0.temb_proj.weight"]
        let params = model.parameterSnapshot()
        let report = checkGradient(at: keys.map { params[$0]! }, h: 1e-2, maxElements: 16) { xs in
            for (k, v) in zip(keys, xs) { model.visitParameters { key, p in if key == k { p = v } } }
            return model(x: x, t: t, classes: [2, nil, 0])
        }
        XCTAssertTrue(report.passed, "\(report)")
    }

    func testAConditionalMLPDependsOnTheClass() throws {
        let mlp = try MLP(MLPConfig(inputDimension: 2, width: 16, depth: 1, timeEmbeddingDimension: 8, classCount: 2), key: RandomKey(seed: 5))
        let x = randn([2, 2], seed: 6), t = Tensor([0.3, 0.3])
        XCTAssertNotEqual(mlp(x: x, t: t, classes: [0, 0]).scalars, mlp(x: x, t: t, classes: [1, 1]).scalars)
        XCTAssertEqual(mlp.parameterCount, try MLP(MLPConfig(inputDimension: 2, width: 16, depth: 1, timeEmbeddingDimension: 8),
                                                   key: RandomKey(seed: 5)).parameterCount + 3 * 16)
    }

    /// Unconditional configurations keep the reference JSON and parameter counts; old checkpoints'
    /// JSON (no classCount) decodes as unconditional.
    func testUnconditionalConfigurationsAreUnchanged() throws {
        let json = String(decoding: try JSONEncoder().encode(ModelConfig.unet(.unet28)), as: UTF8.self)
        XCTAssertFalse(json.contains("classCount"))
        XCTAssertEqual(try JSONDecoder().decode(ModelConfig.self, from: Data(json.utf8)).classCount, 0)
        XCTAssertEqual(try ModelPreset.unet28.config.build(key: RandomKey(seed: 0)).parameterCount, 2_152_289)
        var conditional = ModelPreset.unet28.config
        conditional.classCount = 10
        let decoded = try JSONDecoder().decode(ModelConfig.self, from: try JSONEncoder().encode(conditional))
        XCTAssertEqual(decoded, conditional)
        XCTAssertEqual(try conditional.build(key: RandomKey(seed: 0)).parameterCount, 2_152_289 + 11 * 256)
    }
}
