import Foundation
import XCTest
import Training

/// `drift distill --method consistency`: a student of the exact ring samples it in one step far
/// better than its teacher's one Euler step, carries its ledger, and bad input is one line that
/// writes nothing.
final class ConsistencyDistillCommandTests: XCTestCase {
    let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
    func repositoryFile(_ path: String) -> String { root.appendingPathComponent(path).path }

    func testAConsistencyStudentOfTheRingSamplesInOneStepAndBadInputWritesNothing() throws {
        let folder = temporaryFolder()
        defer { try? FileManager.default.removeItem(at: folder) }
        let ring = repositoryFile("checkpoints/gmm-ring8.json")
        let out = folder.appendingPathComponent("cd")
        let r = try DriftProcess.run(["distill", "--teacher", ring, "--method", "consistency", "--out", out.path,
                                      "--steps", "1000", "--batch", "128", "--threads", "1"], in: folder)
        XCTAssertEqual(r.status, 0, r.stderr)
        let studentFile = out.appendingPathComponent("round-1/student/checkpoint.h5").path
        XCTAssertTrue(r.stdout.contains(studentFile), r.stdout)

        // The ledger: its teacher and the teacher's passes, two per training example (one Heun step).
        let checkpoint = try Checkpoint.read(from: studentFile)
        let ledger = try XCTUnwrap(checkpoint.training.distillation)
        XCTAssertEqual(ledger.method, .consistency)
        XCTAssertEqual(ledger.teacherPassesPerExample, 2)
        XCTAssertEqual(ledger.teacherPasses(examples: checkpoint.dataPosition), 2 * 1000 * 128)
        let inspected = try DriftProcess.run(["inspect", studentFile], in: folder)
        XCTAssertTrue(inspected.stdout.contains("consistency of \(ring): 2 teacher passes per training example, 256000 so far"), inspected.stdout)

        // drift compare gives the student consistency-sampling rows beside the teacher's solvers, on the same noise.
        let cmp = folder.appendingPathComponent("cmp")
        let compared = try DriftProcess.run(["compare", "--model", ring, "--sampler", "euler-50", "--student", studentFile, "--nfe", "1,2",
                                             "--n", "300", "--metric", "sw2", "--out", cmp.path, "--threads", "1"], in: folder)
        XCTAssertEqual(compared.status, 0, compared.stderr)
        let rows = try String(contentsOf: cmp.appendingPathComponent("results.csv"), encoding: .utf8).split(separator: "\n")
        let studentRows = rows.filter { $0.hasPrefix("student \(studentFile) consistency,") }
        XCTAssertEqual(studentRows.count, 2, rows.joined(separator: "\n"))
        func sw2(_ row: Substring) -> Double { Double(row.split(separator: ",", omittingEmptySubsequences: false)[8])! }
        let teacherOneStep = try XCTUnwrap(rows.first { $0.hasPrefix("euler-50,ODE,uniform,1,") })
        XCTAssertLessThan(sw2(studentRows[0]), sw2(teacherOneStep) / 10, "one step of the student against one of the teacher (measured 0.035 vs 2.02)")
        // The pay-off of its ledger: one line per student cell, and payoff.csv.
        XCTAssertTrue(compared.stdout.contains("pay-off: student \(studentFile) consistency at 1 NFE (sw2sq "), compared.stdout)
        XCTAssertEqual(try String(contentsOf: cmp.appendingPathComponent("payoff.csv"), encoding: .utf8).split(separator: "\n").count, 3)

        // drift sample draws it in two steps.
        let png = folder.appendingPathComponent("two.png").path
        let sampled = try DriftProcess.run(["sample", "--model", studentFile, "--sampler", "consistency-2", "--n", "200", "--out", png], in: folder)
        XCTAssertEqual(sampled.status, 0, sampled.stderr)
        // Without --sampler a consistency student is drawn by its own two-step sampling.
        let byDefault = try DriftProcess.run(["sample", "--model", studentFile, "--n", "200", "--out", folder.appendingPathComponent("d.h5").path], in: folder)
        XCTAssertEqual(byDefault.status, 0, byDefault.stderr)
        XCTAssertTrue((byDefault.stdout + byDefault.stderr).contains("with consistency-2 (SDE, NFE 2)"), byDefault.stdout)

        // Resuming the finished distillation trains nothing more.
        let finished = try DriftProcess.run(["distill", "--resume", out.path], in: folder)
        XCTAssertEqual(finished.status, 0, finished.stderr)
        XCTAssertEqual(finished.stdout, r.stdout)
        let after = try Checkpoint.read(from: studentFile)
        XCTAssertEqual(after.step, 1000)

        // Bad input: one line, nothing written.
        let bad = folder.appendingPathComponent("bad")
        func refused(_ args: [String], _ fragments: [String]) throws {
            assertCleanFailure(try DriftProcess.run(args, in: folder), mentions: fragments)
            XCTAssertFalse(FileManager.default.fileExists(atPath: bad.path), "a refused start wrote \(bad.path)")
        }
        let base = ["distill", "--out", bad.path, "--threads", "1"]
        // A consistency student as a teacher, for either method: it has no ODE to follow.
        try refused(base + ["--teacher", studentFile, "--method", "consistency"], ["consistency student", "no ODE"])
        try refused(base + ["--teacher", studentFile, "--method", "reflow"], ["consistency student", "no ODE"])
        try refused(base + ["--teacher", repositoryFile("checkpoints/fashion-classifier.h5"), "--method", "consistency"], ["not a Drift checkpoint"])
        try refused(base + ["--teacher", ring, "--method", "consistency", "--rounds", "2"], ["--rounds is a reflow setting"])
        try refused(base + ["--teacher", ring, "--method", "consistency", "--pairs", "100"], ["--pairs is a reflow setting"])
        try refused(base + ["--teacher", ring, "--method", "reflow", "--intervals", "10"], ["--intervals is a consistency setting"])
        try refused(base + ["--teacher", ring, "--method", "reflow", "--distance", "pseudo-huber"], ["--distance is a consistency setting"])
        try refused(base + ["--teacher", ring, "--method", "consistency", "--distance", "cosine"], ["--distance", "squared", "pseudo-huber"])
        try refused(base + ["--teacher", ring, "--method", "consistency", "--interval-sampling", "beta"], ["--interval-sampling", "lognormal"])
        try refused(["distill", "--resume", out.path, "--interval-weighting", "inverse-step"], ["drop --interval-weighting"])
        try refused(base + ["--teacher", ring, "--method", "consistency", "--intervals", "0"], ["--intervals must be at least 1"])
        try refused(base + ["--teacher", ring, "--method", "consistency", "--target-ema", "1"], ["--target-ema must be in [0, 1)"])
        try refused(base + ["--teacher", ring, "--method", "consistency", "--guidance", "1"], ["class-conditional teacher"])
        try refused(["train", "--data", "gmm:" + ring, "--objective", "consistency", "--out", bad.path], ["drift distill"])
        assertCleanFailure(try DriftProcess.run(["train", "--resume", out.appendingPathComponent("round-1/student").path], in: folder),
                           mentions: ["drift distill --resume"])
        XCTAssertEqual(try Checkpoint.read(from: studentFile).step, 1000, "the refused resume left the student as it was")
    }

    func testSongAndDhariwalsChoicesTrainAOneStepStudentOfTheRingAndAreRecorded() throws {
        let folder = temporaryFolder()
        defer { try? FileManager.default.removeItem(at: folder) }
        let ring = repositoryFile("checkpoints/gmm-ring8.json")
        let out = folder.appendingPathComponent("cd")
        let r = try DriftProcess.run(["distill", "--teacher", ring, "--method", "consistency", "--out", out.path, "--steps", "1000", "--batch", "128",
                                      "--distance", "pseudo-huber", "--interval-sampling", "lognormal", "--interval-weighting", "inverse-step",
                                      "--threads", "1"], in: folder)
        XCTAssertEqual(r.status, 0, r.stderr)
        XCTAssertTrue(r.stderr.contains("pseudo-Huber distance, lognormal intervals (-1.1, 2.0), λ = 1/Δσ"), r.stderr)
        let studentFile = out.appendingPathComponent("round-1/student/checkpoint.h5").path
        let settings = try XCTUnwrap(try Checkpoint.read(from: studentFile).training.objective.consistency)
        XCTAssertEqual(settings, ConsistencySettings(distance: .pseudoHuber(c: nil), intervalSampling: .improved, intervalWeighting: .inverseStep))
        let inspected = try DriftProcess.run(["inspect", studentFile], in: folder)
        XCTAssertTrue(inspected.stdout.contains("consistency (18 intervals, target EMA 0.95, pseudo-Huber distance, lognormal intervals (-1.1, 2.0), λ = 1/Δσ)"),
                      inspected.stdout)
        let cmp = folder.appendingPathComponent("cmp")
        let compared = try DriftProcess.run(["compare", "--model", ring, "--sampler", "euler-50", "--student", studentFile, "--nfe", "1",
                                             "--n", "300", "--metric", "sw2", "--out", cmp.path, "--threads", "1"], in: folder)
        XCTAssertEqual(compared.status, 0, compared.stderr)
        let rows = try String(contentsOf: cmp.appendingPathComponent("results.csv"), encoding: .utf8).split(separator: "\n")
        func sw2(_ row: Substring) -> Double { Double(row.split(separator: ",", omittingEmptySubsequences: false)[8])! }
        let student = try XCTUnwrap(rows.first { $0.hasPrefix("student \(studentFile) consistency,") })
        let teacherOneStep = try XCTUnwrap(rows.first { $0.hasPrefix("euler-50,ODE,uniform,1,") })
        XCTAssertLessThan(sw2(student), sw2(teacherOneStep) / 10, "one step of the student against one of the teacher")
    }
}
