import XCTest
import TensorCore
@testable import Samplers

final class BrownianPathTests: XCTestCase {
    func testValuesDoNotDependOnQueryOrderOrBatchSplit() {
        let key = RandomKey(seed: 7)
        let a = BrownianPath(key: key, span: 0...1, shape: [6, 3])
        let queries = [0.9, 0.13, 0.5, 0.77, 0.1300001, 1.0, 0.0]
        let forward = queries.map { a.value(at: $0) }
        let b = BrownianPath(key: key, span: 0...1, shape: [6, 3])
        let backward = queries.reversed().map { b.value(at: $0) }.reversed()
        for (x, y) in zip(forward, backward) { XCTAssertEqual(x.scalars, y.scalars) }
        // Rows 2..<6 drawn alone equal rows 2..<6 of the full batch.
        let part = BrownianPath(key: key, span: 0...1, shape: [4, 3], firstSample: 2)
        for (q, full) in zip(queries, forward) {
            XCTAssertEqual(part.value(at: q).scalars, Array(full.scalars[6...]))
        }
        XCTAssertEqual(a.value(at: 0).scalars, [Float](repeating: 0, count: 18))
    }

    func testIncrementsHaveBrownianMoments() {
        // Var W(t) = t, increments over disjoint intervals are uncorrelated with variance = length.
        let n = 20_000
        let w = BrownianPath(key: RandomKey(seed: 1), span: 0...2, shape: [n, 1])
        let times = [0.0, 0.3, 0.31, 1.1, 2.0]
        let values = times.map { w.value(at: $0).scalars.map(Double.init) }
        for i in 1..<times.count {
            let inc = zip(values[i], values[i - 1]).map { $0 - $1 }
            let len = times[i] - times[i - 1]
            let mean = inc.reduce(0, +) / Double(n)
            let variance = inc.map { $0 * $0 }.reduce(0, +) / Double(n)
            XCTAssertEqual(mean, 0, accuracy: 4 * (len / Double(n)).squareRoot())
            // Std of the sample variance of a normal: √(2/n)·len.
            XCTAssertEqual(variance / len, 1, accuracy: 4 * (2.0 / Double(n)).squareRoot(), "interval \(i)")
            if i >= 2 {
                let prev = zip(values[i - 1], values[i - 2]).map { $0 - $1 }
                let cov = zip(inc, prev).map { $0 * $1 }.reduce(0, +) / Double(n)
                let scale = (len * (times[i - 1] - times[i - 2])).squareRoot()
                XCTAssertEqual(cov / scale, 0, accuracy: 4 / Double(n).squareRoot(), "intervals \(i - 1), \(i)")
            }
        }
    }
}
