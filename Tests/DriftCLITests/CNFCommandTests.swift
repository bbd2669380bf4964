import Foundation
import XCTest
import DriftIO
import Training

/// `drift train --objective cnf` and what the other commands do with a CNF checkpoint.
final class CNFCommandTests: XCTestCase {
    let ring = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
        .deletingLastPathComponent().appendingPathComponent("checkpoints/gmm-ring8.json").path

    /// A small CNF run: RK4 on a fixed grid keeps it to a second.
    func tiny(_ extra: [String] = []) -> [String] {
        ["train", "--data", "gmm:" + ring, "--objective", "cnf", "--width", "16", "--depth", "1", "--batch", "32",
         "--threads", "1", "--log-every", "2", "--ode-solver", "rk4", "--ode-steps", "4"] + extra
    }

    func testTheCNFDefaultsAreTheMeasuredRecipe() throws {
        let folder = temporaryFolder()
        defer { try? FileManager.default.removeItem(at: folder) }
        let run = folder.appendingPathComponent("run")
        let train = try DriftProcess.run(["train", "--data", "gmm:" + ring, "--objective", "cnf", "--steps", "2", "--threads", "1",
                                          "--out", run.path], in: folder)
        XCTAssertEqual(train.status, 0, train.stderr)
        let config = try Checkpoint.read(from: run.appendingPathComponent("checkpoint.h5").path).training
        guard case .mlp(let mlp) = config.model else { return XCTFail("a CNF's default network is an MLP, got \(config.model)") }
        XCTAssertEqual([mlp.width, mlp.depth], [64, 3])
        XCTAssertEqual(mlp.timeScale, 1)
        XCTAssertEqual(config.warmupSteps, 100)
        let cnf = try XCTUnwrap(config.objective.cnf)
        XCTAssertEqual([cnf.rtol, cnf.atol, cnf.kinetic, cnf.jacobian], [1e-4, 1e-4, 0.01, 0.01])
        XCTAssertEqual(cnf.solver, "dopri5")
    }

    func testCNFTrainsLogsItsSolvesAndIsSampledAndScoredAsAnODEModel() throws {
        let folder = temporaryFolder()
        defer { try? FileManager.default.removeItem(at: folder) }
        let run = folder.appendingPathComponent("run")
        let train = try DriftProcess.run(tiny(["--steps", "6", "--kinetic", "0.01", "--jacobian", "0.01", "--out", run.path]), in: folder)
        XCTAssertEqual(train.status, 0, train.stderr)
        XCTAssertTrue(train.stderr.contains("with cnf on gmm:"), train.stderr)
        XCTAssertTrue(train.stderr.contains("NFE 16+16"), train.stderr)   // RK4, 4 steps, each way
        let log = try String(contentsOf: run.appendingPathComponent("log.csv"), encoding: .utf8).split(separator: "\n")
        XCTAssertEqual(log.first, "step,loss,lr,grad_norm,time,nll,nfe_forward,nfe_backward")
        let last = log.last!.split(separator: ",")
        XCTAssertEqual(last.first, "6")
        XCTAssertEqual(last.suffix(2), ["16.0", "16.0"])
        XCTAssertGreaterThan(Double(last[1])!, Double(last[5])!)   // loss = NLL + the regularizers

        let checkpoint = run.appendingPathComponent("checkpoint.h5").path
        let inspect = try DriftProcess.run(["inspect", checkpoint], in: folder)
        XCTAssertTrue(inspect.stdout.contains("cnf (exact divergence, adjoint, rk4 4 steps, kinetic 0.01, jacobian 0.01)"), inspect.stdout)

        let ode = try DriftProcess.run(["sample", "--model", checkpoint, "--sampler", "dopri5", "--n", "20",
                                        "--out", folder.appendingPathComponent("s.h5").path], in: folder)
        XCTAssertEqual(ode.status, 0, ode.stderr)
        for sde in ["em-500", "dpmpp-2m-sde-20", "pc-langevin"] {
            let out = folder.appendingPathComponent("\(sde).h5")
            let refused = try DriftProcess.run(["sample", "--model", checkpoint, "--sampler", sde, "--n", "20", "--out", out.path], in: folder)
            assertCleanFailure(refused, mentions: ["the model has no score", sde])
            XCTAssertFalse(FileManager.default.fileExists(atPath: out.path))
        }
        let compare = try DriftProcess.run(["compare", "--model", checkpoint, "--sampler", "dpmpp-2m-20", "--sampler", "em-500",
                                            "--n", "50", "--out", folder.appendingPathComponent("cmp").path], in: folder)
        assertCleanFailure(compare, mentions: ["the model has no score"])
        // Without --sampler, compare runs the default ODE presets alone.
        let odeOnly = try DriftProcess.run(["compare", "--model", checkpoint, "--n", "50", "--nfe", "10", "--trajectories", "0",
                                            "--out", folder.appendingPathComponent("cmp2").path], in: folder)
        XCTAssertEqual(odeOnly.status, 0, odeOnly.stderr)
        let csv = try String(contentsOf: folder.appendingPathComponent("cmp2/results.csv"), encoding: .utf8)
        XCTAssertTrue(csv.contains(",ODE,") && !csv.contains(",SDE,"), csv)

        let map = folder.appendingPathComponent("density.png")
        let likelihood = try DriftProcess.run(["likelihood", "--model", checkpoint, "--data", "gmm:" + ring, "--n", "50", "--json",
                                               "--heatmap", map.path, "--heatmap-cells", "12"], in: folder)
        XCTAssertEqual(likelihood.status, 0, likelihood.stderr)
        XCTAssertTrue(likelihood.stdout.contains("\"nll_mean\"") && likelihood.stdout.contains("\"heatmap\""), likelihood.stdout)
        XCTAssertEqual(try PixelImage.readPNG(map.path).width, 400 + 56 + 16)
    }

    func testCNFResumeIsExact() throws {
        let folder = temporaryFolder()
        defer { try? FileManager.default.removeItem(at: folder) }
        let (whole, split) = (folder.appendingPathComponent("whole"), folder.appendingPathComponent("split"))
        // A constant learning rate: a finished 3-step run extended to 6 then has the 6-step run's schedule.
        let settings = ["--divergence", "hutchinson", "--gradient", "backprop", "--decay", "constant"]
        XCTAssertEqual(try DriftProcess.run(tiny(settings + ["--steps", "6", "--out", whole.path]), in: folder).status, 0)
        XCTAssertEqual(try DriftProcess.run(tiny(settings + ["--steps", "3", "--out", split.path]), in: folder).status, 0)
        let resumed = try DriftProcess.run(["train", "--resume", split.path, "--steps", "6"], in: folder)
        XCTAssertEqual(resumed.status, 0, resumed.stderr)
        let a = try Checkpoint.read(from: whole.appendingPathComponent("checkpoint.h5").path)
        let b = try Checkpoint.read(from: split.appendingPathComponent("checkpoint.h5").path)
        XCTAssertEqual(a.step, 6)
        XCTAssertEqual(a.training.objective, b.training.objective)
        XCTAssertTrue(a.parameters.allSatisfy { $0.value.scalars == b.parameters[$0.key]!.scalars }, "the resumed weights differ")
    }

    func testBadCNFSettingsAreOneLineAndLeaveNothing() throws {
        let folder = temporaryFolder()
        defer { try? FileManager.default.removeItem(at: folder) }
        let out = folder.appendingPathComponent("run")
        let cases: [([String], [String])] = [
            (["--rtol", "0"], ["--rtol must be > 0"]),
            (["--atol", "-1e-5"], ["--atol must be > 0"]),
            (["--kinetic", "-0.1"], ["--kinetic must be ≥ 0"]),
            (["--jacobian", "-1"], ["--jacobian must be ≥ 0"]),
            (["--ode-solver", "euler-maruyama"], ["--ode-solver euler-maruyama"]),
            (["--classes", "auto"], ["cnf trains an unconditional flow"]),
            (["--path", "vp"], ["--path rectified"]),
        ]
        for (flags, fragments) in cases {
            assertCleanFailure(try DriftProcess.run(tiny(flags + ["--steps", "2", "--out", out.path]), in: folder), mentions: fragments)
            XCTAssertFalse(FileManager.default.fileExists(atPath: out.path), "\(flags)")
        }
        let notCNF = try DriftProcess.run(["train", "--data", "toy:moons", "--kinetic", "0.1", "--steps", "2", "--out", out.path], in: folder)
        assertCleanFailure(notCNF, mentions: ["--kinetic is a setting of --objective cnf"])
        let unet = try DriftProcess.run(["train", "--data", "gmm:" + ring, "--objective", "cnf", "--model", "unet", "--out", out.path], in: folder)
        assertCleanFailure(unet, mentions: ["--model unet needs image data"])
    }

    /// An adaptive solve over its step limit stops training with one line; nothing is written
    /// past the last good checkpoint (here there is none yet, so no checkpoint at all).
    func testAStepLimitStopsTrainingCleanly() throws {
        let folder = temporaryFolder()
        defer { try? FileManager.default.removeItem(at: folder) }
        let run = folder.appendingPathComponent("run")
        let out = try DriftProcess.run(["train", "--data", "gmm:" + ring, "--objective", "cnf", "--width", "16", "--depth", "1",
                                        "--batch", "32", "--threads", "1", "--ode-solver", "dopri5", "--ode-max-steps", "2",
                                        "--rtol", "1e-8", "--atol", "1e-8", "--steps", "5", "--out", run.path], in: folder)
        assertCleanFailure(out, mentions: ["ODE solve failed at step 1", "maxSteps = 2", "--ode-max-steps", "no checkpoint had been written yet"])
        XCTAssertFalse(FileManager.default.fileExists(atPath: run.appendingPathComponent("checkpoint.h5").path))
    }
}
