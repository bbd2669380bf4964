import XCTest
import TensorCore

/// Large products are split across workers by rows or columns; the result must not depend on it.
final class SplitGEMMTests: XCTestCase {
    func testSplitProductsMatchSingleThread() {
        let key = RandomKey(seed: 21)
        // (m, k, n): split by rows, split by columns (few rows), and batched.
        for (i, (m, k, n)) in [(300, 200, 100), (8, 300, 2000)].enumerated() {
            for (ta, tb) in [(false, false), (true, false), (false, true), (true, true)] {
                let a = Tensor.randomNormal([1, m * k], key: key.fold(UInt64(2 * i))).reshaped(ta ? [k, m] : [m, k])
                let b = Tensor.randomNormal([1, k * n], key: key.fold(UInt64(2 * i + 1))).reshaped(tb ? [n, k] : [k, n])
                let saved = ComputeThreads.count
                ComputeThreads.set(2)
                let split = a.matmul(b, transposeA: ta, transposeB: tb)
                ComputeThreads.set(1)
                let serial = a.matmul(b, transposeA: ta, transposeB: tb)
                ComputeThreads.set(saved)
                XCTAssertEqual(split.shape, [m, n])
                XCTAssertEqual(split.scalars, serial.scalars, "\(m)×\(k)×\(n) transposes \(ta) \(tb)")
            }
        }
    }
}
