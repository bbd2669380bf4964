import Foundation
import TensorCore
import XCTest
@testable import NN

/// The time scale s of the sinusoidal embedding, sin(s·t·f_k): a setting of the network that its
/// checkpoint records, with every network trained before it (no recorded scale) keeping DDPM's 1000.
final class TimeScaleTests: XCTestCase {
    func testTheEmbeddingAtScaleSIsTheLegacyEmbeddingAtTimeSOverAThousand() {
        let t: [Float] = [0, 0.25, 0.5, 1]
        let scaled = SinusoidalEmbedding(dimension: 8, scale: 1)(Tensor(t))
        let legacy = SinusoidalEmbedding(dimension: 8)(Tensor(t.map { $0 / 1000 }))
        for (a, b) in zip(scaled.scalars, legacy.scalars) { XCTAssertEqual(a, b, accuracy: 1e-6) }
        // At s = 1 the fastest component turns one radian per unit of t: sin(0.5), not sin(500).
        XCTAssertEqual(Double(scaled.scalars[2 * 8]), Foundation.sin(0.5), accuracy: 1e-6)
    }

    func testAConfigurationWithoutATimeScaleIsTheLegacyOneAndWritesNone() throws {
        let old = #"{"architecture":"mlp","inputDimension":2,"width":8,"depth":1,"timeEmbeddingDimension":4}"#
        let config = try JSONDecoder().decode(ModelConfig.self, from: Data(old.utf8))
        XCTAssertEqual(config.timeScale, SinusoidalEmbedding.legacyScale)
        // Re-encoded unchanged: the JSON of a legacy checkpoint does not gain a key.
        XCTAssertFalse(String(decoding: try JSONEncoder().encode(config), as: UTF8.self).contains("timeScale"))
        let oldUNet = #"{"architecture":"unet","inputChannels":1,"imageSize":8,"baseChannels":8,"channelMultipliers":[1,2],"blocksPerLevel":1,"attentionResolutions":[],"midAttention":false,"timeEmbeddingInput":8,"timeEmbeddingDimension":8,"groups":4}"#
        XCTAssertEqual(try JSONDecoder().decode(ModelConfig.self, from: Data(oldUNet.utf8)).timeScale, SinusoidalEmbedding.legacyScale)
    }

    func testANewTimeScaleIsRecordedAndBuildsTheSameNetworkBack() throws {
        for var config in [ModelConfig.mlp(MLPConfig(width: 8, depth: 1, timeEmbeddingDimension: 4)),
                           .unet(UNetConfig(imageSize: 8, baseChannels: 8, channelMultipliers: [1, 2], midAttention: false,
                                            timeEmbeddingInput: 8, timeEmbeddingDimension: 8, groups: 4))] {
            config.timeScale = 1
            let decoded = try JSONDecoder().decode(ModelConfig.self, from: try JSONEncoder().encode(config))
            XCTAssertEqual(decoded, config)
            XCTAssertEqual(decoded.timeScale, 1)
            let shape = [2] + config.sampleShape
            let x = Tensor.randomNormal(shape, key: RandomKey(seed: 3)), t = Tensor([0.3, 0.7])
            let a = try config.build(key: RandomKey(seed: 1)), b = try decoded.build(key: RandomKey(seed: 1))
            XCTAssertEqual(a(x: x, t: t, classes: [nil, nil]).scalars, b(x: x, t: t, classes: [nil, nil]).scalars)
        }
    }

    func testTheScaleChangesTheFunctionOfTimeOnly() throws {
        // Same weights, scale 1 at time t ≡ scale 1000 at time t/1000.
        var config = MLPConfig(width: 16, depth: 2, timeEmbeddingDimension: 8)
        let legacy = try MLP(config, key: RandomKey(seed: 5))
        config.timeScale = 1
        let scaled = try MLP(config, key: RandomKey(seed: 5))
        let x = Tensor.randomNormal([3, 2], key: RandomKey(seed: 6))
        let a = scaled(x: x, t: Tensor([0.1, 0.5, 0.9]), classes: [nil, nil, nil])
        let b = legacy(x: x, t: Tensor([0.0001, 0.0005, 0.0009]), classes: [nil, nil, nil])
        for (u, v) in zip(a.scalars, b.scalars) { XCTAssertEqual(u, v, accuracy: 1e-5) }
    }

    func testANonPositiveTimeScaleIsRefused() {
        var config = MLPConfig()
        config.timeScale = 0
        XCTAssertThrowsError(try config.validate())
        config.timeScale = .infinity
        XCTAssertThrowsError(try config.validate())
    }
}
