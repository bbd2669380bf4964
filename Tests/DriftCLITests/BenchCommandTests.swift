import Foundation
import XCTest
@testable import DriftCLI

/// `drift bench`: flags, validation and the JSON fields shared with torch_reference.py.
final class BenchCommandTests: XCTestCase {
    /// Parses and runs a tiny benchmark, returning the decoded JSON line.
    func run(_ args: [String]) throws -> [String: Any] {
        let cmd = try BenchCommand.parse(args + ["--warmup", "0", "--reps", "2", "--min-block-s", "0.0001", "--json"])
        let line = try cmd.measure().json(pretty: false)
        XCTAssertFalse(line.contains("\n"), "one JSON line")
        return try XCTUnwrap(JSONSerialization.jsonObject(with: Data(line.utf8)) as? [String: Any])
    }

    func testTrainReportsTheReferenceFields() throws {
        let r = try run(["--model", "mlp2d", "--task", "train", "--batch", "32", "--threads", "1"])
        XCTAssertEqual(r["impl"] as? String, "drift")
        XCTAssertEqual(r["params"] as? Int, 215_298)
        XCTAssertNotNil(r["peak_rss_mb"] as? Double)
        let run = try XCTUnwrap((r["runs"] as? [[String: Any]])?.first)
        XCTAssertEqual(run["batch"] as? Int, 32)
        for key in ["samples_per_s", "steps_per_s", "step_s"] {
            let s = try XCTUnwrap(run[key] as? [String: Any], key)
            XCTAssertLessThanOrEqual(s["min"] as! Double, s["median"] as! Double)
            XCTAssertLessThanOrEqual(s["median"] as! Double, s["max"] as! Double)
        }
        XCTAssertTrue((run["final_loss"] as? Double)?.isFinite ?? false)
    }

    func testInferAndSampleReportSamplesTimesNFE() throws {
        let infer = try run(["--model", "unet-tiny", "--task", "infer", "--batch", "2"])
        XCTAssertEqual(infer["params"] as? Int, 51_353)
        let i = try XCTUnwrap((infer["runs"] as? [[String: Any]])?.first)
        XCTAssertNotNil((i["samples_nfe_per_s"] as? [String: Any])?["median"] as? Double)
        let sample = try run(["--model", "mlp2d", "--task", "sample", "--batch", "8", "--sample-reps", "1",
                              "--euler-steps", "3", "--heun-steps", "2"])
        let runs = try XCTUnwrap(sample["runs"] as? [[String: Any]])
        XCTAssertEqual(runs.map { $0["sampler"] as? String }, ["euler", "heun"])
        XCTAssertEqual(runs.map { $0["nfe"] as? Int }, [3, 4])
    }

    func testBadFlagsAreRejectedWithAMessage() {
        XCTAssertThrowsError(try BenchCommand.parse(["--model", "resnet50"]))
        XCTAssertThrowsError(try BenchCommand.parse(["--threads", "0"])) {
            XCTAssertTrue(BenchCommand.message(for: $0).contains("--threads"), BenchCommand.message(for: $0))
        }
        XCTAssertThrowsError(try BenchCommand.parse(["--min-block-s", "-1"]))
    }
}
