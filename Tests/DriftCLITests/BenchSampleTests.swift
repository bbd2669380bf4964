import Foundation
import XCTest

/// `drift bench --task sample` runs Drift's own samplers (the `solve` loop), with their NFE.
/// A correctness check on a tiny configuration, not a benchmark.
final class BenchSampleTests: XCTestCase {
    func testSampleTaskReportsTheSamplersOwnEvaluations() throws {
        let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
        let run = try DriftProcess.run(["bench", "--model", "mlp2d", "--task", "sample", "--batch", "16", "--sample-reps", "1",
                                        "--warmup", "0", "--euler-steps", "5", "--heun-steps", "3", "--json"], in: root)
        XCTAssertEqual(run.status, 0, run.stderr)
        let j = try XCTUnwrap(JSONSerialization.jsonObject(with: Data(run.stdout.utf8)) as? [String: Any])
        let runs = try XCTUnwrap(j["runs"] as? [[String: Any]])
        XCTAssertEqual(runs.map { $0["sampler"] as? String }, ["euler", "heun"])
        // Euler: one evaluation a step; Heun: two on every step (a velocity model is defined at t = 0).
        XCTAssertEqual(runs.map { $0["nfe"] as? Int }, [5, 6])
        for r in runs { XCTAssertTrue((r["output_std"] as? Double).map { $0.isFinite && $0 > 0 } ?? false) }
    }
}
