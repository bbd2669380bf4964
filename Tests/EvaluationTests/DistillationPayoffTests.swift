import XCTest
import TensorCore
@testable import Evaluation

/// Where a student pays for itself: the teacher's cheapest cell at least as good, and the number
/// of samples after which the student's upfront seconds are made up by its cheaper samples.
final class DistillationPayoffTests: XCTestCase {
    func cell(_ name: String, _ budget: Int, sw2: Double, seconds: Double) -> CompareCell {
        CompareCell(samplerName: name, isStochastic: false, requestedNFE: budget, nfe: budget, steps: budget, rtol: nil, seconds: seconds,
                    metrics: [.sw2: Estimate(value: sw2, standardError: 0.001)], samples: Tensor.zeros([1, 2]), guidance: nil)
    }

    func testTheStudentPaysAfterItsUpfrontSecondsOverThePerSampleSaving() {
        let results = CompareResults(
            cells: [cell("euler", 1, sw2: 1.8, seconds: 0.1), cell("euler", 20, sw2: 0.002, seconds: 2.0), cell("dpmpp", 20, sw2: 0.004, seconds: 1.5),
                    cell("student s", 1, sw2: 0.005, seconds: 0.1), cell("student s", 2, sw2: 0.001, seconds: 0.2)],
            skipped: [], reference: [:], referenceName: "exact-vs-exact", metrics: [.sw2], budgets: [1, 2, 20],
            samplerNames: ["euler", "dpmpp", "student s"])
        let payoffs = results.payoffs(students: [StudentLedger(rowName: "student s", upfrontSeconds: 30)], count: 1000)
        XCTAssertEqual(payoffs.count, 2)
        // At one step (0.005) the cheapest teacher cell as good is dpmpp at 20 NFE (0.004, 1.5 s per 1,000).
        XCTAssertEqual(payoffs[0].teacher, "dpmpp")
        XCTAssertEqual(payoffs[0].teacherBudget, 20)
        XCTAssertEqual(payoffs[0].breakEvenSamples!, 30 / (0.0015 - 0.0001), accuracy: 1e-6)
        XCTAssertTrue(payoffs[0].sentence.contains("after 21429 samples"), payoffs[0].sentence)
        // At two steps (0.001) no teacher cell is as good.
        XCTAssertNil(payoffs[1].teacher)
        XCTAssertNil(payoffs[1].breakEvenSamples)
        XCTAssertTrue(payoffs[1].sentence.contains("no teacher cell"), payoffs[1].sentence)
        XCTAssertEqual(payoffs.csv.split(separator: "\n").count, 3)
        // A teacher cell no slower per sample than the student: it never pays.
        let slow = results.payoffs(students: [StudentLedger(rowName: "euler", upfrontSeconds: 30)], count: 1000)
        XCTAssertTrue(slow.allSatisfy { $0.teacher == nil || $0.breakEvenSamples == nil || $0.breakEvenSamples! > 0 })
    }
}
