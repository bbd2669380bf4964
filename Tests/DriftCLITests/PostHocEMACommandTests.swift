import Foundation
import XCTest

/// `drift train --posthoc-ema` and `drift export RUN --ema-length`, run as a user would.
final class PostHocEMACommandTests: XCTestCase {
    let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()

    func testATrainedRunRebuildsAnyEMALengthWithinReachAndRefusesOneOutside() throws {
        let folder = temporaryFolder()
        defer { try? FileManager.default.removeItem(at: folder) }
        let run = folder.appendingPathComponent("run").path
        let train = try DriftProcess.run(["train", "--data", "toy:moons", "--model", "mlp", "--width", "32", "--depth", "2", "--steps", "200",
                                          "--batch", "64", "--posthoc-ema", "0.05,0.10", "--posthoc-every", "20", "--sample-every", "0",
                                          "--out", run], in: folder)
        XCTAssertEqual(train.status, 0, train.stderr)
        for length in ["ema-0.050", "ema-0.100"] {
            let files = try FileManager.default.contentsOfDirectory(atPath: run + "/snapshots/" + length)
            XCTAssertEqual(files.count, 10, "\(length): a snapshot every 20 of 200 steps")
        }
        let model = folder.appendingPathComponent("ema07.h5").path
        let export = try DriftProcess.run(["export", run, "--ema-length", "0.07", "--out", model], in: folder)
        XCTAssertEqual(export.status, 0, export.stderr)
        XCTAssertTrue(export.stdout.contains("post-hoc EMA of length 0.07 at step 200") && export.stdout.contains("20 snapshots"), export.stdout)
        let sample = try DriftProcess.run(["sample", "--model", model, "--n", "16", "--out", folder.appendingPathComponent("s.h5").path], in: folder)
        XCTAssertEqual(sample.status, 0, sample.stderr)
        let inspect = try DriftProcess.run(["inspect", model], in: folder)
        XCTAssertEqual(inspect.status, 0, inspect.stderr)
        XCTAssertTrue(inspect.stdout.contains("post-hoc EMA of length σ_rel 0.07")
                      && inspect.stdout.contains("profiles σ_rel 0.05, 0.1, a snapshot every 20 steps"), inspect.stdout)

        // Bad input: one line, nothing written.
        let out = folder.appendingPathComponent("bad.h5").path
        assertCleanFailure(try DriftProcess.run(["export", run, "--ema-length", "0.005", "--out", out], in: folder),
                           mentions: ["outside the reach of the stored profiles", "0.050, 0.100"])
        assertCleanFailure(try DriftProcess.run(["export", run, "--ema-length", "0.5", "--out", out], in: folder), mentions: ["(0, 0.28]"])
        assertCleanFailure(try DriftProcess.run(["export", run, "--ema-length", "0.07", "--at-step", "900", "--out", out], in: folder),
                           mentions: ["--at-step 900", "1–200"])
        assertCleanFailure(try DriftProcess.run(["export", run + "/checkpoint.h5", "--at-step", "100", "--out", out], in: folder),
                           mentions: ["--at-step needs --ema-length"])
        let plain = folder.appendingPathComponent("plain").path
        XCTAssertEqual(try DriftProcess.run(["train", "--data", "toy:moons", "--model", "mlp", "--width", "16", "--depth", "1", "--steps", "5",
                                             "--sample-every", "0", "--out", plain], in: folder).status, 0)
        assertCleanFailure(try DriftProcess.run(["export", plain, "--ema-length", "0.07", "--out", out], in: folder),
                           mentions: ["tracked no post-hoc EMA profiles", "--posthoc-ema"])
        assertCleanFailure(try DriftProcess.run(["train", "--data", "toy:moons", "--posthoc-ema", "0.05,x", "--out", out + "-run"], in: folder),
                           mentions: ["--posthoc-ema takes EMA lengths"])
        assertCleanFailure(try DriftProcess.run(["train", "--data", "toy:moons", "--posthoc-ema", "0.05,0.05", "--out", out + "-run"], in: folder),
                           mentions: ["must differ"])
        assertCleanFailure(try DriftProcess.run(["train", "--resume", run, "--posthoc-ema", "0.05"], in: folder), mentions: ["drop --posthoc-ema"])
        XCTAssertFalse(FileManager.default.fileExists(atPath: out))
        XCTAssertFalse(FileManager.default.fileExists(atPath: out + "-run"))
    }
}
