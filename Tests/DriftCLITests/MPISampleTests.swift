import DriftIO
import Foundation
import TensorIO
import XCTest

/// `mpirun -np N drift sample …`: each rank draws its contiguous share of the sample indices,
/// rank 0 gathers them in rank order and writes — bitwise what one process writes, because
/// sample i depends only on (seed, i).
final class MPISampleTests: XCTestCase {
    let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()

    func samples(_ file: URL) throws -> [Float] {
        let r = try HDF5Reader(path: file.path)
        defer { r.close() }
        return try r.readTensor("/samples").scalars
    }

    func testRanksTogetherDrawBitwiseWhatOneProcessDraws() throws {
        let folder = temporaryFolder()
        defer { try? FileManager.default.removeItem(at: folder) }
        // An adaptive sampler too: its error norm spans a batch, and the ranks run whole batches.
        for (model, sampler, n, batch) in [("checkpoints/moons-cfm.h5", "dpmpp-2m-20", 101, "16"), ("checkpoints/moons-cfm.h5", "dopri5", 101, "16"),
                                           ("checkpoints/fashion-cfm-unet28.h5", "dpmpp-2m-20", 5, "2")] {
            let path = root.appendingPathComponent(model).path
            let args = ["sample", "--model", path, "--sampler", sampler, "--n", "\(n)", "--seed", "5", "--batch", batch, "--threads", "1"]
            let single = folder.appendingPathComponent("one.h5")
            let alone = try DriftProcess.run(args + ["--out", single.path], in: folder)
            XCTAssertEqual(alone.status, 0, alone.stderr)
            for ranks in [2, 3] {
                let split = folder.appendingPathComponent("ranks\(ranks).h5")
                let run = try MPIRun.run(ranks, args + ["--out", split.path], in: folder)
                XCTAssertEqual(run.status, 0, run.stderr)
                XCTAssertEqual(run.stdout.components(separatedBy: "sampled \(n) with").count, 2, "rank 0 alone reports: \(run.stdout)")
                XCTAssertEqual(try samples(split), try samples(single), "\(model) \(sampler), \(ranks) ranks")
            }
        }
    }

    func testAFailureEndsTheJobWithOneErrorLineAndNoOutput() throws {
        let folder = temporaryFolder()
        defer { try? FileManager.default.removeItem(at: folder) }
        let out = folder.appendingPathComponent("never.h5")
        let run = try MPIRun.run(2, ["sample", "--model", folder.appendingPathComponent("missing.h5").path, "--n", "10", "--out", out.path], in: folder)
        XCTAssertNotEqual(run.status, 0)
        XCTAssertEqual(run.stderr.split(separator: "\n").filter { $0.hasPrefix("Error:") }.count, 1, run.stderr)
        XCTAssertTrue(run.stderr.contains("--model: no such file"), run.stderr)
        XCTAssertFalse(FileManager.default.fileExists(atPath: out.path))
    }

    /// `drift likelihood` under mpirun: the ranks score whole batches of the single-process split,
    /// so the mean, its standard error and the NFE are the single process's, bit for bit.
    func testLikelihoodRanksReportWhatOneProcessReports() throws {
        let folder = temporaryFolder()
        defer { try? FileManager.default.removeItem(at: folder) }
        let ring = root.appendingPathComponent("checkpoints/gmm-ring8.json").path
        let moons = root.appendingPathComponent("checkpoints/moons-cfm.h5").path
        for args in [["likelihood", "--model", ring, "--data", "gmm:" + ring, "--n", "300", "--batch", "64", "--seed", "1", "--json"],
                     ["likelihood", "--model", moons, "--data", "toy:moons", "--n", "130", "--batch", "32", "--estimator", "hutchinson",
                      "--seed", "2", "--json", "--threads", "1"]] {
            func report(_ out: DriftProcess.Output) throws -> [String: Any] {
                XCTAssertEqual(out.status, 0, out.stderr)
                let line = out.stdout.split(separator: "\n").last.map(String.init) ?? ""
                return try XCTUnwrap(JSONSerialization.jsonObject(with: Data(line.utf8)) as? [String: Any], out.stdout)
            }
            let one = try report(try DriftProcess.run(args, in: folder))
            let two = try report(try MPIRun.run(2, args, in: folder))
            for key in ["nll_mean", "nll_se", "nfe", "n"] {
                XCTAssertEqual("\(one[key] ?? "missing")", "\(two[key] ?? "missing")", "\(key) of \(args[2])")
            }
        }
    }
}

/// `mpirun -np N drift compare …`: every cell runs whole on one rank, so the table is what one
/// process measures, number for number (all but the seconds), and rank 0 alone writes the report.
final class MPICompareTests: XCTestCase {
    let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()

    /// A CSV without its `seconds` column, if it has one (wall time differs between runs).
    func withoutSeconds(_ file: URL) throws -> [[String]] {
        let rows = try String(contentsOf: file, encoding: .utf8).split(separator: "\n").map { $0.split(separator: ",", omittingEmptySubsequences: false).map(String.init) }
        XCTAssertFalse(rows.isEmpty, "\(file.path) is empty")
        guard let column = rows.first?.firstIndex(of: "seconds") else { return rows }
        return rows.map { var r = $0; r.remove(at: column); return r }
    }

    func testRanksShareTheCellsAndReportWhatOneProcessMeasures() throws {
        let folder = temporaryFolder()
        defer { try? FileManager.default.removeItem(at: folder) }
        // The analytic mixture with an adaptive solver and SDE samplers (every metric exact), and a guidance
        // sweep on the shipped conditional U-Net (FD, accuracy, diversity in the classifier's features).
        let mixture = ["compare", "--model", root.appendingPathComponent("checkpoints/gmm-ring8.json").path, "--sampler", "dopri5",
                       "--sampler", "dpmpp-2m-20", "--sampler", "em-500", "--nfe", "10,20,50", "--n", "300", "--threads", "1"]
        let images = ["compare", "--model", root.appendingPathComponent("checkpoints/fashion-cfm-unet28.h5").path, "--sampler", "dpmpp-2m-20",
                      "--sampler", "dpmpp-2m-sde-20", "--nfe", "4", "--n", "16", "--bootstrap", "0", "--guidance", "0,1", "--threads", "1",
                      "--classifier", root.appendingPathComponent("checkpoints/fashion-classifier.h5").path]
        for (name, args, tables) in [("mixture", mixture, ["results.csv", "winners.csv", "paired.csv", "pareto.csv"]), ("images", images, ["results.csv", "guidance.csv"])] {
            let one = folder.appendingPathComponent("\(name)-1")
            let alone = try DriftProcess.run(args + ["--out", one.path], in: folder)
            XCTAssertEqual(alone.status, 0, alone.stderr)
            for ranks in [2, 3] {
                let split = folder.appendingPathComponent("\(name)-\(ranks)")
                let run = try MPIRun.run(ranks, args + ["--out", split.path], in: folder)
                XCTAssertEqual(run.status, 0, run.stderr)
                XCTAssertEqual(run.stdout.components(separatedBy: "report: ").count, 2, "rank 0 alone reports: \(run.stdout)")
                for table in tables {
                    XCTAssertEqual(try withoutSeconds(split.appendingPathComponent(table)), try withoutSeconds(one.appendingPathComponent(table)),
                                   "\(name) \(table), \(ranks) ranks")
                }
                XCTAssertEqual(try Data(contentsOf: split.appendingPathComponent("grid.png")), try Data(contentsOf: one.appendingPathComponent("grid.png")))
                let leftovers = try FileManager.default.contentsOfDirectory(atPath: folder.path).filter { $0.contains(".tmp.") }
                XCTAssertEqual(leftovers, [])
            }
        }
    }
}
