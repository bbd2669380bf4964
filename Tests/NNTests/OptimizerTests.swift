import XCTest
import TensorCore
@testable import NN

/// Optimizers against PyTorch's updates (golden values from scripts/optimizer_goldens.py),
/// state save/restore, gradient clipping.
final class OptimizerTests: XCTestCase {
    let p0: [Float] = [1, -2, 3, 0.5]
    let grads: [[Float]] = [[0.1, -0.2, 0.3, 0], [-0.5, 0.4, 0.05, 1], [2, 0, -1, 0.25]]

    /// Runs three steps and compares the parameter after each with PyTorch's.
    func assertMatchesTorch(_ make: () -> Optimizer, _ expected: [[Float]], _ name: String,
                            file: StaticString = #filePath, line: UInt = #line) {
        let model = Holder(p0)
        let opt = make()
        for (g, want) in zip(grads, expected) {
            opt.step(model, gradients: ["p": Tensor(g)])
            for (a, b) in zip(model.p.scalars, want) {
                XCTAssertEqual(a, b, accuracy: 2e-6 * max(1, abs(b)), "\(name): got \(model.p.scalars), torch \(want)", file: file, line: line)
            }
        }
    }

    func testSGDMatchesTorch() {
        assertMatchesTorch({ SGD(learningRate: 0.1) }, [
            [0.99000001, -1.98000002, 2.97000003, 0.5],
            [1.03999996, -2.01999998, 2.96499991, 0.400000006],
            [0.839999974, -2.01999998, 3.06499982, 0.375]], "sgd")
        assertMatchesTorch({ SGD(learningRate: 0.1, momentum: 0.9, dampening: 0.1, weightDecay: 0.01) }, [
            [0.989000022, -1.97800004, 2.96700001, 0.499500006],
            [1.02320993, -1.99241984, 2.93012977, 0.40860045],
            [0.873077929, -2.00360441, 2.98430943, 0.30392313]], "sgd momentum")
        assertMatchesTorch({ SGD(learningRate: 0.1, momentum: 0.9, nesterov: true) }, [
            [0.981000006, -1.96200001, 2.94300008, 0.5],
            [1.06790006, -2.02180004, 2.90920019, 0.310000002],
            [0.721110046, -2.03962016, 3.0732801, 0.181500003]], "sgd nesterov")
    }

    func testAdamAndAdamWMatchTorch() {
        assertMatchesTorch({ Adam(learningRate: 0.01) }, [
            [0.99000001, -1.99000001, 2.99000001, 0.5],
            [0.995983541, -1.99366105, 2.98216677, 0.492558628],
            [0.990935326, -1.99649107, 2.98651862, 0.485428274]], "adam")
        assertMatchesTorch({ Adam(learningRate: 0.01, weightDecay: 0.1) }, [
            [0.99000001, -1.99000001, 2.99000001, 0.49000001],
            [0.993670344, -1.98735595, 2.98046589, 0.482248217],
            [0.988014698, -1.98289418, 2.9798305, 0.47473833]], "adam L2")
        assertMatchesTorch({ Adam.adamW(learningRate: 0.01, weightDecay: 0.1) }, [
            [0.989000022, -1.98800004, 2.98699999, 0.499500006],
            [0.993994594, -1.98967314, 2.97617984, 0.491559148],
            [0.987952411, -1.99051356, 2.97755551, 0.483937234]], "adamw")
    }

    func testRestoredStateContinuesExactlyLikeTheOriginal() throws {
        for make in [{ Adam.adamW(learningRate: 0.01) as Optimizer }, { SGD(learningRate: 0.1, momentum: 0.9) }] {
            let a = Holder(p0), opt = make()
            opt.step(a, gradients: ["p": Tensor(grads[0])])
            opt.step(a, gradients: ["p": Tensor(grads[1])])
            let saved = try OptimizerState(flattened: opt.state.flattened)
            XCTAssertEqual(saved, opt.state)
            XCTAssertEqual(saved.step, 2)
            let b = Holder(a.p.scalars), resumed = make()
            try resumed.loadState(saved, for: b)
            opt.step(a, gradients: ["p": Tensor(grads[2])])
            resumed.step(b, gradients: ["p": Tensor(grads[2])])
            XCTAssertEqual(a.p.scalars, b.p.scalars)
        }
    }

    func testStateThatDoesNotFitTheModelIsRejected() {
        let opt = Adam()
        let good = Tensor.zeros([4])
        XCTAssertThrowsError(try opt.loadState(OptimizerState(step: 1, slots: ["m": ["p": Tensor.zeros([3])], "v": ["p": good]]), for: Holder(p0))) {
            XCTAssertEqual($0 as? OptimizerStateError, .shapeMismatch(slot: "m", key: "p", expected: [4], found: [3]))
        }
        XCTAssertThrowsError(try opt.loadState(OptimizerState(step: 1, slots: ["m": ["q": good], "v": ["p": good]]), for: Holder(p0))) {
            XCTAssertEqual($0 as? OptimizerStateError, .unexpected(slot: "m", key: "q"))
        }
        XCTAssertThrowsError(try opt.loadState(OptimizerState(step: 3, slots: [:]), for: Holder(p0))) {
            XCTAssertEqual($0 as? OptimizerStateError, .missingSlot("m"))
        }
        XCTAssertThrowsError(try OptimizerState(flattened: ["m/p": good])) { XCTAssertEqual($0 as? OptimizerStateError, .missingStep) }
    }

    func testGradientClippingByGlobalNormMatchesTorch() {
        // torch.nn.utils.clip_grad_norm_: norm √(3² + 4² + 12²) = 13, coefficient 6.5 / (13 + 1e-6).
        var g: [String: Tensor] = ["a": Tensor([3, 4]), "b": Tensor([12], shape: [1, 1])]
        let norm = clipGradientNorm(&g, maxNorm: 6.5)
        XCTAssertEqual(norm, 13, accuracy: 1e-5)
        let c = Float(6.5 / (13 + 1e-6))
        XCTAssertEqual(g["a"]!.scalars, [3 * c, 4 * c])
        XCTAssertEqual(g["b"]!.scalars, [12 * c])
        XCTAssertEqual(g["b"]!.shape, [1, 1])
        let unchanged = clipGradientNorm(&g, maxNorm: 100)
        XCTAssertEqual(unchanged, 6.5, accuracy: 1e-5)
        XCTAssertEqual(g["a"]!.scalars, [3 * c, 4 * c], "gradients below the threshold are not touched")
    }
}
