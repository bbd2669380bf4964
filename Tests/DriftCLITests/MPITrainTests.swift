import Foundation
import TensorCore
import Training
import XCTest

/// `mpirun -np N drift train …`: the ranks share each global batch's fixed shards, add the
/// shards' gradients in the fixed tree and take the same step as one process — bit for bit;
/// rank 0 alone writes the run's files.
final class MPITrainTests: XCTestCase {
    /// A tiny run on a toy whose global batch (63) does not divide by 2 or 3 ranks (8 shards of 8 rows, the last 7).
    let tiny = ["train", "--data", "toy:moons", "--model", "mlp", "--width", "32", "--depth", "2", "--batch", "63", "--shard-rows", "8",
                "--seed", "2", "--threads", "1", "--log-every", "5", "--sample-every", "0"]

    func checkpoint(_ run: URL) throws -> Checkpoint {
        try Checkpoint.read(from: run.appendingPathComponent("checkpoint.h5").path)
    }

    /// Whether two runs' parameters and EMA weights have the same bits.
    func sameBits(_ a: URL, _ b: URL) throws -> Bool {
        let (x, y) = (try checkpoint(a), try checkpoint(b))
        func bits(_ t: [String: Tensor]) -> [String: [UInt32]] { t.mapValues { $0.scalars.map(\.bitPattern) } }
        return bits(x.parameters) == bits(y.parameters) && bits(x.ema) == bits(y.ema)
    }

    /// `args` trained by one process and by 2 and 3 ranks: the runs' folders, in that order.
    func trainAlone_andOnTwoAndThreeRanks(_ args: [String], in folder: URL) throws -> [URL] {
        let runs = ["one", "two", "three"].map { folder.appendingPathComponent($0) }
        let alone = try DriftProcess.run(args + ["--out", runs[0].path], in: folder)
        XCTAssertEqual(alone.status, 0, alone.stderr)
        for (ranks, run) in [(2, runs[1]), (3, runs[2])] {
            let started = Date()
            let r = try MPIRun.run(ranks, args + ["--out", run.path], in: folder)
            XCTAssertEqual(r.status, 0, r.stderr)
            XCTAssertTrue(r.stderr.contains("done: "), r.stderr)
            print("\(ranks) ranks: \(String(format: "%.1f", Date().timeIntervalSince(started))) s")
        }
        return runs
    }

    func testTwoAndThreeRanksTrainAnMLPToTheBitsOfOneProcess() throws {
        let folder = temporaryFolder()
        defer { try? FileManager.default.removeItem(at: folder) }
        // mlp2d on moons, batch 256 in 16 shards of 16 rows, 20 steps (3 ranks take 6, 5 and 5 shards, which
        // the tree covers with subtrees of 4 + 2, 2 + 2 + 1 and 1 + 4 shards).
        let args = ["train", "--data", "toy:moons", "--model", "mlp2d", "--batch", "256", "--shard-rows", "16", "--steps", "20", "--seed", "4",
                    "--threads", "1", "--log-every", "5", "--sample-every", "0"]
        let runs = try trainAlone_andOnTwoAndThreeRanks(args, in: folder)
        XCTAssertTrue(try sameBits(runs[1], runs[0]), "2 ranks: the weights differ from one process's")
        XCTAssertTrue(try sameBits(runs[2], runs[0]), "3 ranks: the weights differ from one process's")
        // The logged losses are the same numbers too.
        let logs = try runs.map { try String(contentsOf: $0.appendingPathComponent("log.csv"), encoding: .utf8) }
        let losses = logs.map { $0.split(separator: "\n").dropFirst().map { $0.split(separator: ",")[1] } }
        XCTAssertEqual(losses[1], losses[0])
        XCTAssertEqual(losses[2], losses[0])
        // The checkpoint records the world size; rank 0 alone wrote the folder.
        XCTAssertEqual(try checkpoint(runs[1]).worldSize, 2)
        XCTAssertEqual(try FileManager.default.contentsOfDirectory(atPath: runs[1].path).sorted(), ["checkpoint.h5", "log.csv", "loss.png", "samples"])
    }

    func testTwoAndThreeRanksTrainAClassConditionalUNetToTheBitsOfOneProcess() throws {
        let folder = temporaryFolder()
        defer { try? FileManager.default.removeItem(at: folder) }
        let images = folder.appendingPathComponent("shapes")
        try ShapeImages.writeFolder(images, indices: 0..<4, labelled: true, size: 8)
        // 12 flipped 8×8 images in 3 classes with label dropout; batch 10 in 5 shards of 2 images.
        let args = ["train", "--data", "folder:\(images.path)", "--image-size", "8", "--color", "rgb", "--flip", "--classes", "auto",
                    "--model", "unet", "--channels", "8", "--mults", "1,2", "--batch", "10", "--shard-rows", "2", "--steps", "4",
                    "--seed", "5", "--threads", "1", "--log-every", "1", "--sample-every", "0", "--preview-steps", "2"]
        let runs = try trainAlone_andOnTwoAndThreeRanks(args, in: folder)
        XCTAssertTrue(try sameBits(runs[1], runs[0]), "2 ranks: the weights differ from one process's")
        XCTAssertTrue(try sameBits(runs[2], runs[0]), "3 ranks: the weights differ from one process's")
    }

    func testAResumeIsExactUnderAnyNumberOfRanks() throws {
        let folder = temporaryFolder()
        defer { try? FileManager.default.removeItem(at: folder) }
        let straight = folder.appendingPathComponent("straight"), split = folder.appendingPathComponent("split")
        // A constant learning rate, so a 10-step run extended to 20 and 30 follows the 30-step run's schedule.
        let flat = tiny + ["--decay", "constant"]
        XCTAssertEqual(try DriftProcess.run(flat + ["--steps", "30", "--out", straight.path], in: folder).status, 0)
        XCTAssertEqual(try MPIRun.run(2, flat + ["--steps", "10", "--out", split.path], in: folder).status, 0)
        let onThree = try MPIRun.run(3, ["train", "--resume", split.path, "--steps", "20"], in: folder)
        XCTAssertEqual(onThree.status, 0, onThree.stderr)
        XCTAssertFalse(onThree.stderr.contains("note:"), onThree.stderr)
        let alone = try DriftProcess.run(["train", "--resume", split.path, "--steps", "30"], in: folder)
        XCTAssertEqual(alone.status, 0, alone.stderr)
        XCTAssertTrue(try sameBits(split, straight), "10 steps on 2 ranks + 10 on 3 + 10 in one process = 30 in one process")
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

    func testFewerShardsThanProcessesAreRefused() throws {
        let folder = temporaryFolder()
        defer { try? FileManager.default.removeItem(at: folder) }
        let out = folder.appendingPathComponent("run")
        let r = try MPIRun.run(3, setting(["--batch": "2"], in: tiny) + ["--steps", "5", "--out", out.path], in: folder)
        XCTAssertNotEqual(r.status, 0)
        XCTAssertTrue(r.stderr.contains("--batch 2 is smaller than the 3 processes sharing it: every process needs a whole shard"), r.stderr)
        XCTAssertFalse(FileManager.default.fileExists(atPath: out.path))
        // 63 rows in shards of 32 are 2 shards: not enough for 3 processes.
        let few = try MPIRun.run(3, setting(["--shard-rows": "32"], in: tiny) + ["--steps", "5", "--out", out.path], in: folder)
        XCTAssertNotEqual(few.status, 0)
        XCTAssertTrue(few.stderr.contains("--batch 63 in shards of 32 rows makes 2 shards, fewer than the 3 processes sharing it"), few.stderr)
    }

    /// `args` with the values of some flags replaced.
    func setting(_ values: [String: String], in args: [String]) -> [String] {
        var out = args
        for (flag, value) in values { out[out.firstIndex(of: flag)! + 1] = value }
        return out
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
