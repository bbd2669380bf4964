import Foundation
import XCTest

/// `drift likelihood`, run as a user would run it.
final class LikelihoodCommandTests: XCTestCase {
    let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
    var ring: String { root.appendingPathComponent("checkpoints/gmm-ring8.json").path }

    func json(_ run: DriftProcess.Output) throws -> [String: Any] {
        let line = run.stdout.split(separator: "\n").last.map(String.init) ?? ""
        return try XCTUnwrap(JSONSerialization.jsonObject(with: Data(line.utf8)) as? [String: Any], run.stdout)
    }

    func testExactDivergenceOnTheRingMatchesItsExactLogDensity() throws {
        let run = try DriftProcess.run(["likelihood", "--model", ring, "--data", "gmm:" + ring, "--n", "400", "--seed", "1", "--json"], in: root)
        XCTAssertEqual(run.status, 0, run.stderr)
        let j = try json(run)
        let nll = try XCTUnwrap(j["nll_mean"] as? Double), exact = try XCTUnwrap(j["exact_nll_mean"] as? Double)
        XCTAssertEqual(nll, exact, accuracy: 1e-3)
        XCTAssertEqual(j["n"] as? Int, 400)
        XCTAssertEqual(j["estimator"] as? String, "exact")
        XCTAssertGreaterThan(try XCTUnwrap(j["nfe"] as? Int), 20)
        XCTAssertGreaterThan(try XCTUnwrap(j["nll_se"] as? Double), 0)
        XCTAssertNil(j["bits_per_dim"], "2-D data has no bits/dim")
        // Same seed, same numbers.
        let again = try json(try DriftProcess.run(["likelihood", "--model", ring, "--data", "gmm:" + ring, "--n", "400", "--seed", "1", "--json"], in: root))
        XCTAssertEqual(again["nll_mean"] as? Double, nll)
    }

    func testHutchinsonIsWithinThreeStandardErrorsOfTheExactValue() throws {
        let run = try DriftProcess.run(["likelihood", "--model", ring, "--data", "gmm:" + ring, "--n", "1000", "--estimator", "hutchinson",
                                        "--probes", "2", "--probe", "gaussian", "--json"], in: root)
        XCTAssertEqual(run.status, 0, run.stderr)
        let j = try json(run)
        let nll = try XCTUnwrap(j["nll_mean"] as? Double), se = try XCTUnwrap(j["nll_se"] as? Double)
        XCTAssertEqual(nll, try XCTUnwrap(j["exact_nll_mean"] as? Double), accuracy: 3 * se)
        XCTAssertEqual(j["probes"] as? Int, 2)
    }

    func testBadInputFailsWithOneLine() throws {
        assertCleanFailure(try DriftProcess.run(["likelihood", "--model", ring, "--data", "fashion-mnist", "--n", "10"], in: root),
                           mentions: ["shape [1, 28, 28]", "[2]"])
        assertCleanFailure(try DriftProcess.run(["likelihood", "--model", ring, "--data", "toy:nope", "--n", "10"], in: root),
                           mentions: ["unknown toy"])
        assertCleanFailure(try DriftProcess.run(["likelihood", "--model", ring, "--data", "toy:moons", "--probes", "0"], in: root),
                           mentions: ["--probes"])
        assertCleanFailure(try DriftProcess.run(["likelihood", "--model", ring, "--data", "toy:moons", "--estimator", "magic"], in: root),
                           mentions: ["estimator"])
    }
}
