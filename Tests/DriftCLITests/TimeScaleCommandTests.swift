import Foundation
import XCTest
import NN
import Training

/// `drift train --time-scale`: the network's time scale is a setting the checkpoint records —
/// 1 by default for MLPs, DDPM's 1000 for U-Nets — that resume and fine-tuning keep.
final class TimeScaleCommandTests: XCTestCase {
    let tiny = ["train", "--data", "toy:moons", "--model", "mlp", "--width", "16", "--depth", "1",
                "--batch", "32", "--threads", "1", "--steps", "3", "--sample-every", "0"]

    func timeScale(_ run: URL) throws -> Float {
        try Checkpoint.read(from: run.appendingPathComponent("checkpoint.h5").path).training.model.timeScale
    }

    func testTheCheckpointRecordsTheTimeScaleAndResumeKeepsIt() throws {
        let folder = temporaryFolder()
        defer { try? FileManager.default.removeItem(at: folder) }
        let plain = folder.appendingPathComponent("plain"), legacy = folder.appendingPathComponent("legacy")
        XCTAssertEqual(try DriftProcess.run(tiny + ["--out", plain.path], in: folder).status, 0)
        XCTAssertEqual(try timeScale(plain), 1, "an MLP's default")
        let r = try DriftProcess.run(tiny + ["--time-scale", "1000", "--out", legacy.path], in: folder)
        XCTAssertEqual(r.status, 0, r.stderr)
        XCTAssertEqual(try timeScale(legacy), 1000)
        let resumed = try DriftProcess.run(["train", "--resume", plain.path, "--steps", "5"], in: folder)
        XCTAssertEqual(resumed.status, 0, resumed.stderr)
        XCTAssertEqual(try timeScale(plain), 1)
        // drift inspect names a time scale that is not the legacy one.
        let inspect = try DriftProcess.run(["inspect", plain.appendingPathComponent("checkpoint.h5").path], in: folder)
        XCTAssertTrue(inspect.stdout.contains(#""timeScale":1"#), inspect.stdout)
    }

    func testBadTimeScalesAreOneLineAndLeaveNothing() throws {
        let folder = temporaryFolder()
        defer { try? FileManager.default.removeItem(at: folder) }
        let run = folder.appendingPathComponent("run")
        for bad in ["0", "-1", "nan", "inf"] {
            assertCleanFailure(try DriftProcess.run(tiny + ["--time-scale", bad, "--out", run.path], in: folder), mentions: ["--time-scale"])
        }
        XCTAssertFalse(FileManager.default.fileExists(atPath: run.path))
        XCTAssertEqual(try DriftProcess.run(tiny + ["--out", run.path], in: folder).status, 0)
        assertCleanFailure(try DriftProcess.run(["train", "--resume", run.path, "--time-scale", "2"], in: folder), mentions: ["drop --time-scale"])
        assertCleanFailure(try DriftProcess.run(["train", "--data", "toy:moons", "--steps", "3", "--init", run.appendingPathComponent("checkpoint.h5").path,
                                                 "--time-scale", "0", "--out", folder.appendingPathComponent("tuned").path], in: folder),
                           mentions: ["--time-scale"])
        XCTAssertFalse(FileManager.default.fileExists(atPath: folder.appendingPathComponent("tuned").path))
    }

    /// A fine-tune keeps the source's time scale unless --time-scale re-times the network (the
    /// same weights, a new embedding input): how a U-Net trained at DDPM's 1000 moves to 1.
    func testAFineTuneKeepsTheTimeScaleOrRetimesTheNetwork() throws {
        let folder = temporaryFolder()
        defer { try? FileManager.default.removeItem(at: folder) }
        let source = folder.appendingPathComponent("source"), kept = folder.appendingPathComponent("kept"),
            retimed = folder.appendingPathComponent("retimed")
        XCTAssertEqual(try DriftProcess.run(tiny + ["--time-scale", "1000", "--out", source.path], in: folder).status, 0)
        let from = source.appendingPathComponent("checkpoint.h5").path
        let tune = ["train", "--data", "toy:moons", "--batch", "32", "--threads", "1", "--steps", "2", "--sample-every", "0", "--init", from]
        var r = try DriftProcess.run(tune + ["--out", kept.path], in: folder)
        XCTAssertEqual(r.status, 0, r.stderr)
        XCTAssertEqual(try timeScale(kept), 1000, "the source's scale")
        r = try DriftProcess.run(tune + ["--time-scale", "1", "--out", retimed.path], in: folder)
        XCTAssertEqual(r.status, 0, r.stderr)
        XCTAssertEqual(try timeScale(retimed), 1)
        let a = try Checkpoint.read(from: kept.appendingPathComponent("checkpoint.h5").path)
        let b = try Checkpoint.read(from: retimed.appendingPathComponent("checkpoint.h5").path)
        XCTAssertEqual(Set(a.parameters.keys), Set(b.parameters.keys), "the same network")
        XCTAssertTrue(a.parameters.keys.contains { a.parameters[$0]!.scalars != b.parameters[$0]!.scalars },
                      "trained with another embedding input")
    }
}
