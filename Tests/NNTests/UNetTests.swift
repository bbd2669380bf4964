import XCTest
import TensorCore
@testable import NN

/// The U-Net: reference parameter counts and keys, configurable shapes, gradients.
final class UNetTests: XCTestCase {
    func testReferencePresetsHaveTheReferenceParameterCounts() throws {
        for preset in ModelPreset.allCases {
            let model = try preset.config.build(key: RandomKey(seed: 0))
            XCTAssertEqual(model.parameterCount, preset.referenceParameterCount, preset.rawValue)
        }
        XCTAssertEqual(try UNet(.unet28, key: RandomKey(seed: 0)).parameterCount, 2_152_289)
        XCTAssertEqual(try UNet(.unetTiny, key: RandomKey(seed: 0)).parameterCount, 51_353)
    }

    func testUNet28KeysAreTorchsStateDictInTorchsOrder() throws {
        // Module names of UNet28.named_parameters() in torch_reference.py, in order; each has .weight then .bias.
        let modules = [
            "temb_fc1", "temb_fc2", "conv_in", "down0.norm1", "down0.conv1", "down0.temb_proj", "down0.norm2", "down0.conv2",
            "ds0.conv", "down1.norm1", "down1.conv1", "down1.temb_proj", "down1.norm2", "down1.conv2", "down1.skip", "ds1.conv",
            "down2.norm1", "down2.conv1", "down2.temb_proj", "down2.norm2", "down2.conv2", "down2.skip", "mid1.norm1",
            "mid1.conv1", "mid1.temb_proj", "mid1.norm2", "mid1.conv2", "mid_attn.norm", "mid_attn.qkv", "mid_attn.proj",
            "mid2.norm1", "mid2.conv1", "mid2.temb_proj", "mid2.norm2", "mid2.conv2", "up2.norm1", "up2.conv1",
            "up2.temb_proj", "up2.norm2", "up2.conv2", "up2.skip", "us2.conv", "up1.norm1", "up1.conv1", "up1.temb_proj",
            "up1.norm2", "up1.conv2", "up1.skip", "us1.conv", "up0.norm1", "up0.conv1", "up0.temb_proj", "up0.norm2",
            "up0.conv2", "up0.skip", "norm_out", "conv_out",
        ]
        let model = try UNet(.unet28, key: RandomKey(seed: 0))
        XCTAssertEqual(model.parameterKeys, modules.flatMap { [$0 + ".weight", $0 + ".bias"] })
        let shapes = Dictionary(uniqueKeysWithValues: model.namedParameters.map { ($0.key, $0.tensor.shape) })
        XCTAssertEqual(shapes["up1.conv1.weight"], [64, 192, 3, 3])
        XCTAssertEqual(shapes["mid_attn.qkv.weight"], [384, 128, 1, 1])
        XCTAssertEqual(shapes["up0.skip.weight"], [32, 96, 1, 1])
        XCTAssertEqual(shapes["conv_out.weight"], [1, 32, 3, 3])
    }

    /// A small configurable U-Net: 2 levels at 8×8 and 4×4, two blocks per level, attention at 4×4.
    let small = UNetConfig(inputChannels: 2, imageSize: 8, baseChannels: 4, channelMultipliers: [1, 2], blocksPerLevel: 2,
                           attentionResolutions: [4], midAttention: true, timeEmbeddingInput: 8, timeEmbeddingDimension: 8, groups: 2)

    func testConfigurableUNetNamesExtraBlocksAndAttentionAndKeepsShapes() throws {
        let model = try UNet(small, key: RandomKey(seed: 1))
        let modules = Set(model.parameterKeys.map { $0.components(separatedBy: ".").first! })
        XCTAssertEqual(modules, ["temb_fc1", "temb_fc2", "conv_in", "down0", "down0_1", "ds0", "down1", "down1_attn", "down1_1",
                                 "down1_1_attn", "mid1", "mid_attn", "mid2", "up1", "up1_attn", "up1_1", "up1_1_attn", "us1",
                                 "up0", "up0_1", "norm_out", "conv_out"])
        let x = randn([3, 2, 8, 8], seed: 2)
        XCTAssertEqual(model(x: x, t: Tensor([0.1, 0.5, 0.9])).shape, [3, 2, 8, 8])
        XCTAssertEqual(model.config, .unet(small))
    }

    func testRowsOfTheOutputDependOnlyOnTheirOwnSample() throws {
        let model = try UNet(small, key: RandomKey(seed: 3))
        let x = randn([4, 2, 8, 8], seed: 4), t = Tensor([0.2, 0.4, 0.6, 0.8])
        let all = model(x: x, t: t)
        let part = model(x: x.rows(1..<3), t: t.slice(axis: 0, 1..<3))
        XCTAssertLessThan(relativeError(part, all.rows(1..<3)), 1e-5)
    }

    func testUNetGradientsWithRespectToInputAndParameters() throws {
        let model = try UNet(small, key: RandomKey(seed: 5))
        // Non-trivial norm affine parameters so that their gradients are exercised too.
        try model.setParameter("down1.norm2.weight", to: Tensor([0.5, 1.5, 1.2, 0.8, 1.1, 0.9, 1.3, 0.7]))
        let x = randn([2, 2, 8, 8], seed: 6), t = Tensor([0.3, 0.7])
        let keys = ["conv_in.weight", "down1.conv1.weight", "down1.norm2.weight", "down1_attn.qkv.weight",
                    "mid_attn.proj.bias", "up0.skip.weight", "up1.temb_proj.weight", "temb_fc1.weight", "norm_out.bias"]
        let params = model.parameterSnapshot()
        let report = checkGradient(at: [x] + keys.map { params[$0]! }, h: 1e-2, maxElements: 16) { xs in
            for (k, v) in zip(keys, xs.dropFirst()) { self.assign(model, k, v) }
            return model(x: xs[0], t: t)
        }
        XCTAssertTrue(report.passed, "\(report)")
    }

    /// Puts `value` (possibly a tape leaf) in place of parameter `key`.
    func assign(_ model: Module, _ key: String, _ value: Tensor) {
        model.visitParameters { k, p in if k == key { p = value } }
    }
}
