import Foundation
import XCTest
import TensorCore
import DriftIO
import TensorIO
@testable import NN

/// An export of `torch_reference.py --export` (see scripts/make_nn_fixtures.py):
/// parameters, a fixed input batch, the output, a cotangent and the VJPs.
struct TorchFixture {
    var parameters: [String: Tensor] = [:]
    var parameterGradients: [String: Tensor] = [:]
    var x: Tensor, t: Tensor, output: Tensor, cotangent: Tensor, inputGradient: Tensor

    init(_ name: String) throws {
        let url = try XCTUnwrap(Bundle.module.url(forResource: name, withExtension: "h5", subdirectory: "Fixtures"),
                                "fixture \(name).h5 missing")
        let f = try HDF5Reader(path: url.path)
        defer { f.close() }
        func key(_ path: String, under root: String) -> String {
            String(path.dropFirst(root.count + 1)).replacingOccurrences(of: "/", with: ".")
        }
        for p in try f.datasets(under: "/parameters") { parameters[key(p, under: "/parameters")] = try f.readTensor(p) }
        for p in try f.datasets(under: "/grad/parameters") { parameterGradients[key(p, under: "/grad/parameters")] = try f.readTensor(p) }
        x = try f.readTensor("/input/x")
        t = try f.readTensor("/input/t")
        output = try f.readTensor("/output")
        cotangent = try f.readTensor("/cotangent")
        inputGradient = try f.readTensor("/grad/x")
    }

    /// Loads the fixture's weights into `model` and checks its output, input VJP and
    /// parameter VJPs against PyTorch's, each relative to the largest entry of PyTorch's tensor.
    /// Returns the worst relative errors (output, gradients).
    @discardableResult
    func assertMatches(_ model: any Network, tolerance: Float = 1e-4, exactlyZero: Set<String> = [],
                       file: StaticString = #filePath, line: UInt = #line) throws -> (output: Float, gradient: Float) {
        try model.loadParameters(parameters)
        let y = model(x: x, t: t)
        let outErr = relativeError(y, output)
        XCTAssertLessThan(outErr, tolerance, "output", file: file, line: line)
        let g = cotangent
        let r = valueWithGradient(of: model, wrt: [x]) { xs in (model(x: xs[0], t: t) * g).sum() }
        var worst = relativeError(r.inputGradients[0], inputGradient)
        XCTAssertLessThan(worst, tolerance, "gradient of x", file: file, line: line)
        XCTAssertEqual(Set(r.gradients.keys), Set(parameterGradients.keys), file: file, line: line)
        // Gradients in `exactlyZero` vanish in exact arithmetic; both sides are rounding noise
        // there, so they are only checked to be negligible against the largest gradient.
        let largest = parameterGradients.values.map { $0.abs().max().item }.max()!
        for (k, want) in parameterGradients.sorted(by: { $0.key < $1.key }) {
            let got = r.gradients[k]!
            if exactlyZero.contains(k) {
                let noise = max(got.abs().max().item, want.abs().max().item) / largest
                XCTAssertLessThan(noise, 1e-4, "gradient of \(k) should vanish", file: file, line: line)
                continue
            }
            let e = relativeError(got, want)
            worst = max(worst, e)
            XCTAssertLessThan(e, tolerance, "gradient of \(k)", file: file, line: line)
        }
        return (outErr, worst)
    }
}
