import XCTest
import TensorCore
import Datasets
@testable import Training

final class OptimalTransportTests: XCTestCase {
    /// All permutations of 0..<n (n ≤ 7).
    func permutations(_ n: Int) -> [[Int]] {
        if n == 0 { return [[]] }
        return permutations(n - 1).flatMap { p in (0...p.count).map { i in var q = p; q.insert(n - 1, at: i); return q } }
    }

    func testHungarianMatchesBruteForceOnRandomMatrices() {
        var rng = PhiloxStream(key: RandomKey(seed: 3))
        for trial in 0..<40 {
            let n = 1 + trial % 6
            // Integer costs make ties common: the optimum value must still match.
            let cost = (0..<(n * n)).map { _ in Double(rng.nextInt(below: trial % 2 == 0 ? 5 : 1000)) }
            let found = LinearAssignment.solve(cost: cost, n: n)
            XCTAssertEqual(found.sorted(), Array(0..<n), "not a permutation")
            let best = permutations(n).map { LinearAssignment.totalCost(cost: cost, n: n, assignment: $0) }.min()!
            XCTAssertEqual(LinearAssignment.totalCost(cost: cost, n: n, assignment: found), best, "trial \(trial)")
        }
    }

    func testHungarianRecoversAHiddenPermutation() {
        // Points and a shuffled copy: the zero-cost matching is the inverse shuffle.
        let n = 200
        let x = Tensor.randomNormal([n, 3], key: RandomKey(seed: 1))
        let perm = ShuffledExamples.permutation(n, key: RandomKey(seed: 2))
        let shuffled = ExampleSet(values: x).gather(perm)
        let assignment = LinearAssignment.solve(cost: MinibatchOT.squaredDistances(x, shuffled), n: n)
        for i in 0..<n { XCTAssertEqual(perm[assignment[i]], i) }
    }

    func testCouplingLowersTheTransportCost() {
        let data = ToyDistribution.eightGaussians.sample(128, key: RandomKey(seed: 4))
        let noise = Tensor.randomNormal([128, 2], key: RandomKey(seed: 5))
        let coupled = MinibatchOT.couple(data: data, noise: noise)
        func cost(_ e: Tensor) -> Float { ((data - e) * (data - e)).sum().item }
        XCTAssertLessThan(cost(coupled), 0.5 * cost(noise))
        XCTAssertEqual(coupled.scalars.sorted(), noise.scalars.sorted())
    }
}
