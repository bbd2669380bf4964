import Foundation
import TensorCore
import Training
import XCTest

/// `mpirun -np N drift train …`: the ranks split each global batch by rows, combine their
/// gradients in rank order and take the same step; rank 0 alone writes the run's files.
final class MPITrainTests: XCTestCase {
    /// A tiny run on a toy whose global batch (63) does not divide by 2 or 3 ranks.
    let tiny = ["train", "--data", "toy:moons", "--model", "mlp", "--width", "32", "--depth", "2", "--batch", "63",
                "--seed", "2", "--threads", "1", "--log-every", "5", "--sample-every", "0"]

    func parameters(_ run: URL) throws -> [String: Tensor] {
        try Checkpoint.read(from: run.appendingPathComponent("checkpoint.h5").path).parameters
    }

    /// max over tensors of ‖a − b‖ / ‖b‖.
    func relativeDifference(_ a: [String: Tensor], _ b: [String: Tensor]) -> Double {
        a.keys.map { key in
            let (x, y) = (a[key]!.scalars, b[key]!.scalars)
            let d = zip(x, y).map { Double($0 - $1) * Double($0 - $1) }.reduce(0, +).squareRoot()
            return d / max(y.map { Double($0) * Double($0) }.reduce(0, +).squareRoot(), 1e-30)
        }.max() ?? 0
    }

    func testRanksTakeTheStepsOneProcessTakesToFloatRounding() throws {
        let folder = temporaryFolder()
        defer { try? FileManager.default.removeItem(at: folder) }
        let one = folder.appendingPathComponent("one"), two = folder.appendingPathComponent("two"), three = folder.appendingPathComponent("three")
        let alone = try DriftProcess.run(tiny + ["--steps", "20", "--out", one.path], in: folder)
        XCTAssertEqual(alone.status, 0, alone.stderr)
        for (ranks, run) in [(2, two), (3, three)] {
            let r = try MPIRun.run(ranks, tiny + ["--steps", "20", "--out", run.path], in: folder)
            XCTAssertEqual(r.status, 0, r.stderr)
            XCTAssertTrue(r.stderr.contains("done: 20 steps"), r.stderr)
        }
        let (p1, p2, p3) = (try parameters(one), try parameters(two), try parameters(three))
        let d2 = relativeDifference(p2, p1), d3 = relativeDifference(p3, p1)
        print("20 steps of batch 63: 2 ranks vs 1 process \(d2), 3 ranks vs 1 process \(d3) (largest relative difference of a tensor)")
        XCTAssertLessThan(d2, 1e-6)
        XCTAssertLessThan(d3, 1e-6)
        // The checkpoint records the world size; rank 0 alone wrote the folder.
        XCTAssertEqual(try Checkpoint.read(from: two.appendingPathComponent("checkpoint.h5").path).worldSize, 2)
        XCTAssertEqual(try FileManager.default.contentsOfDirectory(atPath: two.path).sorted(), ["checkpoint.h5", "log.csv", "loss.png", "samples"])
    }

    func testAResumeUnderTheSameWorldIsExactAndUnderAnotherOneSaysWhatChanges() throws {
        let folder = temporaryFolder()
        defer { try? FileManager.default.removeItem(at: folder) }
        let straight = folder.appendingPathComponent("straight"), split = folder.appendingPathComponent("split")
        // A constant learning rate, so a 10-step run extended to 20 follows the 20-step run's schedule.
        let flat = tiny + ["--decay", "constant"]
        XCTAssertEqual(try MPIRun.run(2, flat + ["--steps", "20", "--out", straight.path], in: folder).status, 0)
        XCTAssertEqual(try MPIRun.run(2, flat + ["--steps", "10", "--out", split.path], in: folder).status, 0)
        let resumed = try MPIRun.run(2, ["train", "--resume", split.path, "--steps", "20"], in: folder)
        XCTAssertEqual(resumed.status, 0, resumed.stderr)
        XCTAssertFalse(resumed.stderr.contains("note:"), resumed.stderr)
        XCTAssertEqual(relativeDifference(try parameters(split), try parameters(straight)), 0, "10 + 10 steps on 2 ranks = 20 steps on 2 ranks")

        let single = try DriftProcess.run(["train", "--resume", split.path, "--steps", "30"], in: folder)
        XCTAssertEqual(single.status, 0, single.stderr)
        XCTAssertTrue(single.stderr.contains("note: the run was trained by 2 process(es) and continues with 1"), single.stderr)
    }

    func testAKilledRankEndsTheJobAndTheLastCheckpointResumes() throws {
        let folder = temporaryFolder()
        defer { try? FileManager.default.removeItem(at: folder) }
        let run = folder.appendingPathComponent("run")
        let job = try MPIRun.start(2, tiny + ["--steps", "1000000", "--checkpoint-every", "20", "--out", run.path], in: folder)
        // Wait for a first checkpoint, then kill one rank (a child of mpirun) with SIGKILL.
        let checkpoint = run.appendingPathComponent("checkpoint.h5").path
        let deadline = Date().addingTimeInterval(60)
        while !FileManager.default.fileExists(atPath: checkpoint) && Date() < deadline { usleep(100_000) }
        XCTAssertTrue(FileManager.default.fileExists(atPath: checkpoint), "no checkpoint within 60 s")
        let children = try childProcesses(of: job.process.processIdentifier)
        XCTAssertEqual(children.count, 2, "mpirun's children: \(children)")
        guard let victim = children.last else { job.process.terminate(); return }
        kill(victim, SIGKILL)
        let killed = Date()
        while job.process.isRunning && Date().timeIntervalSince(killed) < 20 { usleep(100_000) }
        XCTAssertFalse(job.process.isRunning, "the job did not end within 20 s of a rank's death")
        if job.process.isRunning { job.process.terminate(); job.process.waitUntilExit() }
        let output = job.output()
        XCTAssertNotEqual(output.status, 0)
        print("job ended \(String(format: "%.1f", Date().timeIntervalSince(killed))) s after the kill; mpirun said: \(output.stderr.split(separator: "\n").filter { !$0.hasPrefix("step ") }.prefix(6).joined(separator: " | "))")

        let step = try Checkpoint.read(from: checkpoint).step
        XCTAssertGreaterThan(step, 0)
        let resumed = try MPIRun.run(2, ["train", "--resume", run.path, "--steps", "\(step + 10)"], in: folder)
        XCTAssertEqual(resumed.status, 0, resumed.stderr)
        XCTAssertEqual(try Checkpoint.read(from: checkpoint).step, step + 10)
    }

    func testAGlobalBatchSmallerThanTheWorldIsRefused() throws {
        let folder = temporaryFolder()
        defer { try? FileManager.default.removeItem(at: folder) }
        let out = folder.appendingPathComponent("run")
        var args = tiny
        args[args.firstIndex(of: "63")!] = "2"
        let r = try MPIRun.run(3, args + ["--steps", "5", "--out", out.path], in: folder)
        XCTAssertNotEqual(r.status, 0)
        XCTAssertTrue(r.stderr.contains("--batch 2 is smaller than the 3 processes sharing it"), r.stderr)
        XCTAssertFalse(FileManager.default.fileExists(atPath: out.path))
    }

    /// PIDs whose parent is `pid` (from /proc).
    func childProcesses(of pid: Int32) throws -> [Int32] {
        try FileManager.default.contentsOfDirectory(atPath: "/proc").compactMap { Int32($0) }.filter { child in
            guard let stat = try? String(contentsOfFile: "/proc/\(child)/stat", encoding: .utf8),
                  let close = stat.lastIndex(of: ")") else { return false }
            let fields = stat[stat.index(after: close)...].split(separator: " ")
            return fields.count > 2 && Int32(fields[1]) == pid
        }.sorted()
    }
}
