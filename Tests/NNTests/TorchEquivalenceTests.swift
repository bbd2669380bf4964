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
