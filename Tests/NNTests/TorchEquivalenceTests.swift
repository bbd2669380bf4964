import XCTest
import TensorCore
@testable import NN

/// Forward values and vector–Jacobian products equal PyTorch's on the same
/// weights (fixtures exported by scripts/make_nn_fixtures.py from torch_reference.py).
final class TorchEquivalenceTests: XCTestCase {
    func testMLPMatchesTorch() throws {
        let fixture = try TorchFixture("mlp-small")
        let model = try MLP(MLPConfig(inputDimension: 2, width: 32, depth: 2, timeEmbeddingDimension: 16), key: RandomKey(seed: 0))
        XCTAssertEqual(Set(model.parameterKeys), Set(fixture.parameters.keys))
        let err = try fixture.assertMatches(model)
        print("mlp-small vs torch: output rel. error \(err.output), worst gradient rel. error \(err.gradient)")
    }
}

extension TorchEquivalenceTests {
    func testUNetTinyMatchesTorch() throws {
        let fixture = try TorchFixture("unet-tiny")
        let model = try UNet(.unetTiny, key: RandomKey(seed: 0))
        XCTAssertEqual(Set(model.parameterKeys), Set(fixture.parameters.keys))
        // A per-channel shift right before a GroupNorm with one channel per group (8 channels, 8 groups)
        // is removed by the normalization, so these gradients are exactly zero.
        let exactlyZero: Set<String> = ["down0.conv1.bias", "down0.temb_proj.weight", "down0.temb_proj.bias",
                                        "up0.conv1.bias", "up0.temb_proj.weight", "up0.temb_proj.bias",
                                        "up0.conv2.bias", "up0.skip.bias"]
        let err = try fixture.assertMatches(model, exactlyZero: exactlyZero)
        print("unet-tiny vs torch: output rel. error \(err.output), worst gradient rel. error \(err.gradient)")
    }
}
