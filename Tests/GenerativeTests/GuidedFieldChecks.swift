import XCTest
import TensorCore
import Generative

/// Checks that guided fields `f` are `expectedScore` in the score and, in every other
/// parametrization, the closed-form conversion of that score on `path` (one guided field).
func assertGuidedFields(_ f: Fields, score expectedScore: Tensor, path: GaussianPath, x: Tensor, t: Double,
                        file: StaticString = #filePath, line: UInt = #line) {
    func largest(_ d: Tensor) -> Float { d.scalars.map { Swift.abs($0) }.max() ?? 0 }
    XCTAssertLessThan(largest(f.score - expectedScore), 1e-4, "\(path.kind) score", file: file, line: line)
    let fromScore = path.fields(from: f.score, as: .score, x: x, t: t)
    XCTAssertLessThan(largest(f.x0 - fromScore.x0), 1e-4, "\(path.kind) x0", file: file, line: line)
    XCTAssertLessThan(largest(f.epsilon - fromScore.epsilon), 1e-4, "\(path.kind) epsilon", file: file, line: line)
    XCTAssertLessThan(largest(f.velocity - fromScore.velocity), 1e-4, "\(path.kind) velocity", file: file, line: line)
}
