import Datasets
import Foundation
import XCTest
import NN
import TensorCore
import Training

/// `drift distill --method reflow`: one round on the ring straightens the flow, a run stopped
/// part-way through its pairs continues to the same student bit for bit, and bad input is one
/// line that writes nothing.
final class DistillCommandTests: XCTestCase {
    let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
    func repositoryFile(_ path: String) -> String { root.appendingPathComponent(path).path }

    /// The exact ring mixture as teacher: 2,000 pairs in batches of 500, a 300-step student.
    func reflow(_ out: URL) -> [String] {
        ["distill", "--teacher", repositoryFile("checkpoints/gmm-ring8.json"), "--method", "reflow", "--out", out.path,
         "--pairs", "2000", "--pairs-batch", "500", "--steps", "300", "--batch", "128", "--straightness-paths", "300",
         "--straightness-steps", "50", "--threads", "1"]
    }

    func straightness(_ folder: URL) throws -> [Int: Double] {
        let text = try String(contentsOf: folder.appendingPathComponent("straightness.csv"), encoding: .utf8)
        var rows: [Int: Double] = [:]
        for line in text.split(separator: "\n").dropFirst() {
            let f = line.split(separator: ",")
            rows[Int(f[0])!] = Double(f[2])!
        }
        return rows
    }

    func testOneReflowRoundStraightensTheRingAndAResumedRunMakesTheSameStudent() throws {
        let folder = temporaryFolder()
        defer { try? FileManager.default.removeItem(at: folder) }
        let whole = folder.appendingPathComponent("whole")
        let r = try DriftProcess.run(reflow(whole), in: folder)
        XCTAssertEqual(r.status, 0, r.stderr)
        let s = try straightness(whole)
        let teacher = try XCTUnwrap(s[0]), student = try XCTUnwrap(s[1])
        XCTAssertGreaterThan(teacher, 0.3, "the ring's exact flow bends (measured 0.73 with 1,000 paths)")
        XCTAssertLessThan(student, teacher / 5, "one reflow round straightens the flow at least 5×: \(s)")
        XCTAssertTrue(r.stdout.contains("straighter than the teacher"), r.stdout)

        // The ledger travels with the student.
        let checkpoint = try Checkpoint.read(from: whole.appendingPathComponent("round-1/student/checkpoint.h5").path)
        let ledger = try XCTUnwrap(checkpoint.training.distillation)
        XCTAssertEqual(ledger.method, .reflow)
        XCTAssertEqual(ledger.pairs, 2000)
        // Every batch of 500 adds its own network passes (dopri5's count differs by batch).
        XCTAssertEqual(ledger.generation!.evaluations % 500, 0)
        XCTAssertGreaterThanOrEqual(ledger.generation!.evaluations, 2000 * 2)
        XCTAssertGreaterThan(ledger.generation!.nfePerSample, 1)

        // A run stopped after the first 1,000 pairs: the same settings, half the pairs file, no student yet.
        let stopped = folder.appendingPathComponent("stopped")
        try FileManager.default.createDirectory(at: stopped.appendingPathComponent("round-1"), withIntermediateDirectories: true)
        try FileManager.default.copyItem(at: whole.appendingPathComponent("distill.json"), to: stopped.appendingPathComponent("distill.json"))
        let pairs = try ReflowPairs.read(from: whole.appendingPathComponent("round-1/pairs.h5").path)
        let half = ReflowPairs(noise: pairs.noise.rows(0..<1000), samples: pairs.samples.rows(0..<1000), target: 2000, record: pairs.record)
        try half.write(to: stopped.appendingPathComponent("round-1/pairs.h5").path)
        let resumed = try DriftProcess.run(["distill", "--resume", stopped.path], in: folder)
        XCTAssertEqual(resumed.status, 0, resumed.stderr)
        let again = try ReflowPairs.read(from: stopped.appendingPathComponent("round-1/pairs.h5").path)
        XCTAssertEqual(again.samples.scalars, pairs.samples.scalars, "continued pairs are the uninterrupted run's, bit for bit")
        XCTAssertEqual(again.noise.scalars, pairs.noise.scalars)
        let continued = try Checkpoint.read(from: stopped.appendingPathComponent("round-1/student/checkpoint.h5").path)
        for (key, t) in checkpoint.ema { XCTAssertEqual(continued.ema[key]?.scalars, t.scalars, "EMA \(key) differs after the resume") }
        XCTAssertEqual(try straightness(stopped), s)

        // drift compare puts the student's Euler rows beside the teacher's solvers, from the same noise.
        let studentFile = whole.appendingPathComponent("round-1/student/checkpoint.h5").path
        let cmp = folder.appendingPathComponent("cmp")
        let compared = try DriftProcess.run(["compare", "--model", repositoryFile("checkpoints/gmm-ring8.json"), "--sampler", "euler-50",
                                             "--student", studentFile, "--nfe", "1,4", "--n", "300", "--metric", "sw2", "--out", cmp.path,
                                             "--threads", "1"], in: folder)
        XCTAssertEqual(compared.status, 0, compared.stderr)
        let rows = try String(contentsOf: cmp.appendingPathComponent("results.csv"), encoding: .utf8).split(separator: "\n")
        let studentRows = rows.filter { $0.hasPrefix("student \(studentFile) euler,") }
        XCTAssertEqual(studentRows.count, 2, rows.joined(separator: "\n"))
        func sw2(_ row: Substring) -> Double { Double(row.split(separator: ",", omittingEmptySubsequences: false)[8])! }
        let teacherOneStep = try XCTUnwrap(rows.first { $0.hasPrefix("euler-50,ODE,uniform,1,") })
        XCTAssertLessThan(sw2(studentRows[0]), sw2(teacherOneStep) / 10, "one step of the student against one of the teacher")
        assertCleanFailure(try DriftProcess.run(["compare", "--model", repositoryFile("checkpoints/gmm-ring8.json"), "--student",
                                                 repositoryFile("checkpoints/fashion-cfm-unet28.h5"), "--nfe", "1", "--n", "300",
                                                 "--out", folder.appendingPathComponent("cmp2").path], in: folder), mentions: ["shape"])
        XCTAssertFalse(FileManager.default.fileExists(atPath: folder.appendingPathComponent("cmp2").path))

        // Resuming a finished distillation redoes nothing and prints the same table.
        let finished = try DriftProcess.run(["distill", "--resume", whole.path], in: folder)
        XCTAssertEqual(finished.status, 0, finished.stderr)
        XCTAssertEqual(finished.stdout, r.stdout)
    }

    /// In a guidance sweep a student's row draws the same classes from the same noise as the
    /// teacher's: a "student" that is the teacher itself reproduces the teacher's row exactly.
    func testAStudentRowInAGuidanceSweepDrawsTheTeachersClasses() throws {
        let folder = temporaryFolder()
        defer { try? FileManager.default.removeItem(at: folder) }
        let teacher = repositoryFile("checkpoints/fashion-cfm-unet28.h5")
        let out = folder.appendingPathComponent("cmp")
        let r = try DriftProcess.run(["compare", "--model", teacher, "--guidance", "0", "--sampler", "euler-50", "--student", teacher,
                                      "--nfe", "2", "--n", "64", "--metric", "fd", "--metric", "accuracy", "--bootstrap", "0",
                                      "--out", out.path, "--threads", "1"], in: folder)
        XCTAssertEqual(r.status, 0, r.stderr)
        let rows = try String(contentsOf: out.appendingPathComponent("guidance.csv"), encoding: .utf8).split(separator: "\n")
        func fields(_ prefix: String) throws -> [Substring] {
            try XCTUnwrap(rows.first { $0.hasPrefix(prefix) }, rows.joined(separator: "\n")).split(separator: ",", omittingEmptySubsequences: false)
        }
        let plain = try fields("euler-50,"), student = try fields("student \(teacher) euler,")
        XCTAssertEqual(student[3], "0", "the student's row is drawn at w = 0")
        XCTAssertEqual(student[13...], plain[13...], "same noise, classes and sampler: the same FD and accuracy")
    }

    /// The shipped reflow student draws classes only (label dropout 0): refused outside a guidance
    /// sweep; inside one its pay-off is read from the w = 0 cells, in FD.
    func testAClassOnlyStudentIsComparedInTheGuidanceSweepWithItsPayoff() throws {
        let folder = temporaryFolder()
        defer { try? FileManager.default.removeItem(at: folder) }
        let teacher = repositoryFile("checkpoints/fashion-cfm-unet28.h5"), student = repositoryFile("checkpoints/fashion-cfm-reflow-unet28.h5")
        let out = folder.appendingPathComponent("cmp")
        let common = ["compare", "--model", teacher, "--sampler", "euler-50", "--student", student, "--nfe", "1", "--n", "64",
                      "--metric", "fd", "--bootstrap", "0", "--out", out.path, "--threads", "1"]
        assertCleanFailure(try DriftProcess.run(common, in: folder), mentions: ["draws classes only", "--guidance 0"])
        XCTAssertFalse(FileManager.default.fileExists(atPath: out.path))
        let r = try DriftProcess.run(common + ["--guidance", "0"], in: folder)
        XCTAssertEqual(r.status, 0, r.stderr)
        let results = try String(contentsOf: out.appendingPathComponent("results.csv"), encoding: .utf8)
        XCTAssertFalse(results.contains("student"), "no unconditional row for a class-only student")
        let payoff = try String(contentsOf: out.appendingPathComponent("payoff.csv"), encoding: .utf8).split(separator: "\n")
        XCTAssertEqual(payoff.count, 2, payoff.joined(separator: "\n"))
        XCTAssertTrue(payoff[1].hasPrefix("student \(student) euler,1,fd,"), String(payoff[1]))
    }

    func testBadInputIsOneLineAndWritesNothing() throws {
        let folder = temporaryFolder()
        defer { try? FileManager.default.removeItem(at: folder) }
        let out = folder.appendingPathComponent("out")
        func refused(_ args: [String], _ fragments: [String]) throws {
            assertCleanFailure(try DriftProcess.run(args, in: folder), mentions: fragments)
            XCTAssertFalse(FileManager.default.fileExists(atPath: out.path), "a refused start wrote \(out.path)")
        }
        let base = ["distill", "--method", "reflow", "--out", out.path, "--threads", "1"]
        // Not an ODE model at all: the feature network.
        try refused(base + ["--teacher", repositoryFile("checkpoints/fashion-classifier.h5")], ["--teacher", "not a Drift checkpoint"])
        // A score model on the VP path: reflow's student keeps the teacher's network as a rectified flow.
        try refused(base + ["--teacher", repositoryFile("checkpoints/moons-dsm.h5")], ["dsm", "rectified"])
        try refused(base + ["--teacher", folder.appendingPathComponent("none.h5").path], ["--teacher", "no such file"])
        for bad in ["0", "-1"] {
            try refused(base + ["--teacher", repositoryFile("checkpoints/gmm-ring8.json"), "--rounds", bad], ["--rounds must be at least 1"])
        }
        try refused(base + ["--teacher", repositoryFile("checkpoints/gmm-ring8.json"), "--sampler", "em-500"], ["ODE sampler"])
        try refused(["distill", "--teacher", repositoryFile("checkpoints/gmm-ring8.json"), "--out", out.path], ["--method"])

        // Pairs of another teacher in the folder, or of another shape: refused on resume, nothing changed.
        let run = try DriftProcess.run(reflow(out) + ["--steps", "2"], in: folder)
        XCTAssertEqual(run.status, 0, run.stderr)
        let pairsFile = out.appendingPathComponent("round-1/pairs.h5").path
        var pairs = try ReflowPairs.read(from: pairsFile)
        pairs.record.teacherSHA256 = String(repeating: "0", count: 64)
        let half = ReflowPairs(noise: pairs.noise.rows(0..<500), samples: pairs.samples.rows(0..<500), target: 2000, record: pairs.record)
        try half.write(to: pairsFile)
        try FileManager.default.removeItem(at: out.appendingPathComponent("round-1/student"))
        let before = try Data(contentsOf: URL(fileURLWithPath: pairsFile))
        assertCleanFailure(try DriftProcess.run(["distill", "--resume", out.path], in: folder), mentions: ["another teacher"])
        XCTAssertEqual(try Data(contentsOf: URL(fileURLWithPath: pairsFile)), before)
        XCTAssertFalse(FileManager.default.fileExists(atPath: out.appendingPathComponent("round-1/student").path))
        assertCleanFailure(try DriftProcess.run(["train", "--data", "pairs:" + pairsFile, "--model", "unet28", "--out",
                                                 folder.appendingPathComponent("t").path], in: folder), mentions: ["unet28", "points"])
        assertCleanFailure(try DriftProcess.run(["distill", "--resume", out.path, "--rounds", "2"], in: folder), mentions: ["drop --rounds"])
        assertCleanFailure(try DriftProcess.run(["distill", "--resume", folder.path], in: folder), mentions: ["no distillation"])
    }
}
