import Foundation
import XCTest
import DriftIO
import TensorIO
@testable import DriftCLI
import Training

/// `drift train` and `drift inspect`, run as a user would run them.
final class TrainCommandTests: XCTestCase {
    /// A tiny flow-matching run on a toy (a few seconds at most).
    let tiny = ["train", "--data", "toy:moons", "--model", "mlp", "--width", "32", "--depth", "2",
                "--batch", "64", "--threads", "1", "--log-every", "10"]

    func testTrainWritesCheckpointLogAndInspectDescribesIt() throws {
        let folder = temporaryFolder()
        defer { try? FileManager.default.removeItem(at: folder) }
        let run = folder.appendingPathComponent("run")
        let out = try DriftProcess.run(tiny + ["--steps", "30", "--checkpoint-every", "10", "--out", run.path], in: folder)
        XCTAssertEqual(out.status, 0, out.stderr)
        XCTAssertTrue(out.stderr.contains("step 30/30"), out.stderr)
        let log = try String(contentsOf: run.appendingPathComponent("log.csv"), encoding: .utf8).split(separator: "\n")
        XCTAssertEqual(log.first, "step,loss,lr,grad_norm,time")
        XCTAssertEqual(log.dropFirst().map { $0.split(separator: ",").first! }, ["10", "20", "30"])

        let inspect = try DriftProcess.run(["inspect", run.appendingPathComponent("checkpoint.h5").path], in: folder)
        XCTAssertEqual(inspect.status, 0, inspect.stderr)
        for fragment in ["drift-checkpoint (version 1)", "parametrization  velocity", "step             30 of 30",
                         "/parameters/blocks.0.weight", "float32 [32, 32]", "/optimizer/m/out.bias", "/rng/data_position"] {
            XCTAssertTrue(inspect.stdout.contains(fragment), "'\(fragment)' missing from:\n\(inspect.stdout)")
        }
        let leftovers = try FileManager.default.contentsOfDirectory(atPath: run.path).filter { $0.contains(".tmp.") }
        XCTAssertEqual(leftovers, [])
    }

    func testExportKeepsTheSamplingWeightsAloneAndSamplesTheSame() throws {
        let folder = temporaryFolder()
        defer { try? FileManager.default.removeItem(at: folder) }
        let run = folder.appendingPathComponent("run")
        XCTAssertEqual(try DriftProcess.run(tiny + ["--steps", "20", "--out", run.path], in: folder).status, 0)
        let full = run.appendingPathComponent("checkpoint.h5").path
        func path(_ name: String) -> String { folder.appendingPathComponent(name).path }
        let export = try DriftProcess.run(["export", full, "--out", path("shipped.h5")], in: folder)
        XCTAssertEqual(export.status, 0, export.stderr)
        XCTAssertTrue(export.stdout.contains("exported the EMA weights"), export.stdout)
        let inspect = try DriftProcess.run(["inspect", path("shipped.h5")], in: folder)
        XCTAssertTrue(inspect.stdout.contains("contents         EMA weights only"), inspect.stdout)
        XCTAssertFalse(inspect.stdout.contains("/optimizer/"), inspect.stdout)

        for (model, out) in [(full, path("a.h5")), (path("shipped.h5"), path("b.h5"))] {
            let s = try DriftProcess.run(["sample", "--model", model, "--sampler", "heun-karras-18", "--n", "50", "--seed", "4", "--out", out], in: folder)
            XCTAssertEqual(s.status, 0, s.stderr)
        }
        func samples(_ name: String) throws -> [Float] {
            let r = try HDF5Reader(path: path(name))
            defer { r.close() }
            return try r.readTensor("/samples").scalars
        }
        XCTAssertEqual(try samples("a.h5"), try samples("b.h5"))

        let resumeFolder = folder.appendingPathComponent("shipped-run")
        try FileManager.default.createDirectory(at: resumeFolder, withIntermediateDirectories: true)
        try FileManager.default.copyItem(atPath: folder.appendingPathComponent("shipped.h5").path,
                                         toPath: resumeFolder.appendingPathComponent("checkpoint.h5").path)
        let resume = try DriftProcess.run(["train", "--resume", resumeFolder.path, "--steps", "30"], in: folder)
        XCTAssertNotEqual(resume.status, 0)
        XCTAssertTrue(resume.stderr.contains("holds EMA weights only"), resume.stderr)

        for (args, fragment) in [(["export", full, "--out", full], "is the checkpoint itself"),
                                 (["export", path("missing.h5"), "--out", path("x.h5")], "no such checkpoint"),
                                 (["export", full, "--out", path("x.png")], "name it *.h5")] {
            let r = try DriftProcess.run(args, in: folder)
            XCTAssertNotEqual(r.status, 0)
            XCTAssertTrue(r.stderr.contains(fragment), "\(args): \(r.stderr)")
        }
        XCTAssertFalse(FileManager.default.fileExists(atPath: folder.appendingPathComponent("x.h5").path))
    }

    func testKeepEveryLeavesEMASnapshotsAlongTheRunAndAResumeMayChangeIt() throws {
        let folder = temporaryFolder()
        defer { try? FileManager.default.removeItem(at: folder) }
        let run = folder.appendingPathComponent("run")
        let out = try DriftProcess.run(tiny + ["--steps", "20", "--keep-every", "10", "--out", run.path], in: folder)
        XCTAssertEqual(out.status, 0, out.stderr)
        let snapshots = run.appendingPathComponent("snapshots")
        XCTAssertEqual(try FileManager.default.contentsOfDirectory(atPath: snapshots.path).sorted(), ["step-00000010.h5", "step-00000020.h5"])
        let resumed = try DriftProcess.run(["train", "--resume", run.path, "--steps", "40", "--keep-every", "15"], in: folder)
        XCTAssertEqual(resumed.status, 0, resumed.stderr)
        XCTAssertEqual(try FileManager.default.contentsOfDirectory(atPath: snapshots.path).sorted(),
                       ["step-00000010.h5", "step-00000020.h5", "step-00000030.h5"])
        let inspect = try DriftProcess.run(["inspect", snapshots.appendingPathComponent("step-00000030.h5").path], in: folder)
        XCTAssertTrue(inspect.stdout.contains("step             30 of 40"), inspect.stdout)
        XCTAssertTrue(inspect.stdout.contains("EMA weights only"), inspect.stdout)
        let bad = try DriftProcess.run(tiny + ["--steps", "5", "--keep-every=-1", "--out", folder.appendingPathComponent("bad").path], in: folder)
        assertCleanFailure(bad, mentions: ["--keep-every must be ≥ 0"])
    }

    func testInitFineTunesFromACheckpointsEMAWeightsAndRecordsWhere() throws {
        let folder = temporaryFolder()
        defer { try? FileManager.default.removeItem(at: folder) }
        func path(_ name: String) -> String { folder.appendingPathComponent(name).path }
        XCTAssertEqual(try DriftProcess.run(tiny + ["--classes", "auto", "--steps", "20", "--out", path("base")], in: folder).status, 0)
        XCTAssertEqual(try DriftProcess.run(["export", path("base/checkpoint.h5"), "--out", path("base.h5")], in: folder).status, 0)
        let base = try Checkpoint.read(from: path("base.h5"))

        // One step at a negligible learning rate: the weights are still the source's EMA weights.
        let tune = ["train", "--init", path("base.h5"), "--data", "toy:moons", "--batch", "64", "--threads", "1", "--seed", "5"]
        let first = try DriftProcess.run(tune + ["--steps", "1", "--lr", "1e-12", "--label-dropout", "0.4", "--out", path("still")], in: folder)
        XCTAssertEqual(first.status, 0, first.stderr)
        let still = try Checkpoint.read(from: path("still/checkpoint.h5"))
        XCTAssertEqual(Set(still.parameters.keys), Set(base.ema.keys))
        for (key, value) in base.ema {
            let gap = zip(still.parameters[key]!.scalars, value.scalars).map { abs($0 - $1) }.max() ?? 0
            XCTAssertLessThan(gap, 1e-9, key)
        }
        XCTAssertEqual(still.training.model, base.training.model)
        XCTAssertEqual(still.training.conditioning?.classNames, base.training.conditioning?.classNames)
        XCTAssertEqual(still.training.conditioning?.labelDropout, 0.4)
        XCTAssertEqual(still.training.warmStart, WarmStart(checkpoint: path("base.h5"), sourceStep: 20, sourceExamples: 20 * 64,
                                                         sourceSeconds: base.elapsedSeconds))

        // A real fine-tune moves the weights, says where it began, and resumes without the source file.
        let run = try DriftProcess.run(tune + ["--steps", "20", "--out", path("tuned")], in: folder)
        XCTAssertEqual(run.status, 0, run.stderr)
        try FileManager.default.removeItem(atPath: path("base.h5"))
        let resumed = try DriftProcess.run(["train", "--resume", path("tuned"), "--steps", "30"], in: folder)
        XCTAssertEqual(resumed.status, 0, resumed.stderr)
        let inspect = try DriftProcess.run(["inspect", path("tuned/checkpoint.h5")], in: folder)
        XCTAssertTrue(inspect.stdout.contains("fine-tuned from  \(path("base.h5")) (20 steps, 1280 examples"), inspect.stdout)
        XCTAssertTrue(inspect.stdout.contains("step             30 of 30"), inspect.stdout)

        for (extra, fragment) in [(["--model", "mlp2d"], "drop --model"), (["--objective", "dsm"], "drop --objective"),
                                  (["--classes", "2"], "drop --classes")] {
            assertCleanFailure(try DriftProcess.run(tune + extra + ["--steps", "5", "--out", path("bad")], in: folder), mentions: [fragment])
        }
        XCTAssertEqual(try DriftProcess.run(["export", path("base/checkpoint.h5"), "--out", path("base.h5")], in: folder).status, 0)
        assertCleanFailure(try DriftProcess.run(["train", "--init", path("base.h5"), "--data", "fashion-mnist", "--steps", "5",
                                                 "--out", path("bad")], in: folder),
                           mentions: ["takes samples of shape [2]", "fashion-mnist gives [1, 28, 28]"])
        assertCleanFailure(try DriftProcess.run(["train", "--init", path("missing.h5"), "--data", "toy:moons", "--steps", "5",
                                                 "--out", path("bad")], in: folder), mentions: ["missing.h5"])
        XCTAssertFalse(FileManager.default.fileExists(atPath: path("bad")))
    }

    func testTheOptimizerIsAChoiceAndInspectNamesIt() throws {
        let folder = temporaryFolder()
        defer { try? FileManager.default.removeItem(at: folder) }
        let run = folder.appendingPathComponent("sgd")
        let out = try DriftProcess.run(tiny + ["--steps", "10", "--optimizer", "sgd", "--momentum", "0.8", "--lr", "0.05", "--out", run.path], in: folder)
        XCTAssertEqual(out.status, 0, out.stderr)
        let inspect = try DriftProcess.run(["inspect", run.appendingPathComponent("checkpoint.h5").path], in: folder)
        XCTAssertTrue(inspect.stdout.contains("optimizer        sgd (momentum 0.8)"), inspect.stdout)
        XCTAssertTrue(inspect.stdout.contains("/optimizer/momentum/out.bias"), inspect.stdout)
        XCTAssertFalse(inspect.stdout.contains("/optimizer/m/"), inspect.stdout)
        let resumed = try DriftProcess.run(["train", "--resume", run.path, "--steps", "15"], in: folder)
        XCTAssertEqual(resumed.status, 0, resumed.stderr)
        assertCleanFailure(try DriftProcess.run(tiny + ["--steps", "5", "--momentum", "0.9", "--out", folder.appendingPathComponent("r").path], in: folder),
                           mentions: ["--optimizer sgd"])
        assertCleanFailure(try DriftProcess.run(tiny + ["--steps", "5", "--optimizer", "sgd", "--momentum", "1.5", "--out", folder.appendingPathComponent("r").path], in: folder),
                           mentions: ["--momentum must be in [0, 1)"])
        assertCleanFailure(try DriftProcess.run(tiny + ["--steps", "5", "--betas", "0.9", "--out", folder.appendingPathComponent("r").path], in: folder),
                           mentions: ["--betas takes two numbers"])
        XCTAssertFalse(FileManager.default.fileExists(atPath: folder.appendingPathComponent("r").path))
    }

    func testCheckpointsOpenWithH5dump() throws {
        guard let h5dump = ["/usr/bin/h5dump", "/usr/local/bin/h5dump"].first(where: FileManager.default.isExecutableFile) else {
            throw XCTSkip("h5dump is not installed")
        }
        let folder = temporaryFolder()
        defer { try? FileManager.default.removeItem(at: folder) }
        let run = folder.appendingPathComponent("run")
        XCTAssertEqual(try DriftProcess.run(tiny + ["--steps", "3", "--out", run.path], in: folder).status, 0)
        let p = Process()
        p.executableURL = URL(fileURLWithPath: h5dump)
        p.arguments = ["-a", "/format", run.appendingPathComponent("checkpoint.h5").path]
        let pipe = Pipe()
        p.standardOutput = pipe
        p.standardError = Pipe()
        try p.run()
        let text = String(decoding: pipe.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
        p.waitUntilExit()
        XCTAssertEqual(p.terminationStatus, 0, text)
        XCTAssertTrue(text.contains("drift-checkpoint"), text)
    }

    func testNaNLossStopsWithAClearMessageAndKeepsTheLastGoodCheckpoint() throws {
        let folder = temporaryFolder()
        defer { try? FileManager.default.removeItem(at: folder) }
        let run = folder.appendingPathComponent("run")
        // lr 1e30: the first Adam step moves every weight by ~1e30, the next loss overflows.
        let out = try DriftProcess.run(tiny + ["--steps", "50", "--lr", "1e30", "--checkpoint-every", "1", "--out", run.path], in: folder)
        assertCleanFailure(out, mentions: ["diverged at step", "lower --lr", "last good checkpoint"])
        let checkpoint = try Checkpoint.read(from: run.appendingPathComponent("checkpoint.h5").path)
        XCTAssertGreaterThanOrEqual(checkpoint.step, 1)
        XCTAssertTrue(checkpoint.parameters.values.allSatisfy { $0.scalars.allSatisfy(\.isFinite) })
        let leftovers = try FileManager.default.contentsOfDirectory(atPath: run.path).filter { $0.contains(".tmp.") }
        XCTAssertEqual(leftovers, [])
    }

    /// SIGKILL at random moments of a run that checkpoints every step: every time, the
    /// checkpoint on disk loads (the atomic rename never exposes a partial file), and the
    /// run can be resumed from it.
    func testKillDuringCheckpointWritesLeavesALoadableCheckpoint() throws {
        let folder = temporaryFolder()
        defer { try? FileManager.default.removeItem(at: folder) }
        let run = folder.appendingPathComponent("run")
        let file = run.appendingPathComponent("checkpoint.h5").path
        var rng = SystemRandomNumberGenerator()
        // mlp2d: a 3.4 MB checkpoint each step, so kills often land inside a write.
        let args = ["train", "--data", "toy:spirals", "--model", "mlp2d", "--batch", "32", "--threads", "1",
                    "--steps", "100000", "--checkpoint-every", "1", "--sample-every", "0", "--out", run.path]
        var steps: [Int] = []
        for round in 0..<5 {
            let (p, out, err) = try DriftProcess.start(round == 0 ? args : ["train", "--resume", run.path], in: folder)
            // Wait for a checkpoint newer than the one we started from, then a random extra moment.
            let deadline = Date().addingTimeInterval(60)
            let before = (try? FileManager.default.attributesOfItem(atPath: file)[.modificationDate] as? Date) ?? .distantPast
            while Date() < deadline, p.isRunning {
                if let m = try? FileManager.default.attributesOfItem(atPath: file)[.modificationDate] as? Date, m > before { break }
                usleep(10_000)
            }
            usleep(UInt32.random(in: 20_000...400_000, using: &rng))
            XCTAssertTrue(p.isRunning, "round \(round): drift exited early: \((try? String(contentsOf: err, encoding: .utf8)) ?? "")")
            kill(p.processIdentifier, SIGKILL)
            p.waitUntilExit()
            try? FileManager.default.removeItem(at: out)
            try? FileManager.default.removeItem(at: err)
            let checkpoint = try Checkpoint.read(from: file)
            steps.append(checkpoint.step)
        }
        XCTAssertEqual(steps, steps.sorted(), "resumed runs continue from the saved step")
        XCTAssertGreaterThan(steps.last!, steps.first!)
    }

    func testSIGTERMFinishesTheStepSavesAndExitsZero() throws {
        let folder = temporaryFolder()
        defer { try? FileManager.default.removeItem(at: folder) }
        let run = folder.appendingPathComponent("run")
        let file = run.appendingPathComponent("checkpoint.h5").path
        let (p, _, err) = try DriftProcess.start(tiny + ["--steps", "1000000", "--checkpoint-every", "0", "--out", run.path], in: folder)
        let deadline = Date().addingTimeInterval(30)
        while Date() < deadline, ((try? String(contentsOf: run.appendingPathComponent("log.csv"), encoding: .utf8)) ?? "").count < 60 {
            usleep(20_000)
        }
        kill(p.processIdentifier, SIGTERM)
        p.waitUntilExit()
        let stderr = (try? String(contentsOf: err, encoding: .utf8)) ?? ""
        XCTAssertEqual(p.terminationStatus, 0, stderr)
        XCTAssertTrue(stderr.contains("stopped at step"), stderr)
        let checkpoint = try Checkpoint.read(from: file)
        XCTAssertGreaterThan(checkpoint.step, 0)
        XCTAssertEqual(checkpoint.dataPosition, checkpoint.step * 64)
    }

    func testBadInvocationsFailWithOneLineAndNoFiles() throws {
        let folder = temporaryFolder()
        defer { try? FileManager.default.removeItem(at: folder) }
        let blocker = folder.appendingPathComponent("a-file")
        _ = FileManager.default.createFile(atPath: blocker.path, contents: Data("x".utf8))

        assertCleanFailure(try DriftProcess.run(tiny + ["--steps", "5", "--out", blocker.appendingPathComponent("run").path], in: folder),
                           mentions: ["cannot create output folder"])
        assertCleanFailure(try DriftProcess.run(tiny + ["--steps", "5", "--out", blocker.path], in: folder),
                           mentions: ["is a file, not a folder"])
        assertCleanFailure(try DriftProcess.run(["train", "--data", "toy:bananas", "--out", folder.appendingPathComponent("r").path], in: folder),
                           mentions: ["unknown toy 'bananas'", "moons"])
        assertCleanFailure(try DriftProcess.run(["train", "--data", "toy:moons", "--model", "unet28", "--out", folder.appendingPathComponent("r").path], in: folder),
                           mentions: ["unet28 needs image data"])
        assertCleanFailure(try DriftProcess.run(["train", "--data", "toy:moons", "--objective", "cfm", "--path", "edm", "--out", folder.appendingPathComponent("r").path], in: folder),
                           mentions: ["--path rectified"])
        assertCleanFailure(try DriftProcess.run(["train", "--resume", folder.appendingPathComponent("nothing").path], in: folder),
                           mentions: ["no checkpoint to resume"])
        assertCleanFailure(try DriftProcess.run(["train", "--resume", folder.path, "--lr", "0.1"], in: folder),
                           mentions: ["drop --lr"])
        XCTAssertFalse(FileManager.default.fileExists(atPath: folder.appendingPathComponent("r").path), "a failed start leaves no run folder… or an empty one")
    }

    func testDamagedCheckpointsAreOneLineErrors() throws {
        let folder = temporaryFolder()
        defer { try? FileManager.default.removeItem(at: folder) }
        let run = folder.appendingPathComponent("run")
        XCTAssertEqual(try DriftProcess.run(tiny + ["--steps", "2", "--out", run.path], in: folder).status, 0)
        let good = try Data(contentsOf: run.appendingPathComponent("checkpoint.h5"))

        let truncated = folder.appendingPathComponent("truncated.h5")
        try good.prefix(good.count / 2).write(to: truncated)
        assertCleanFailure(try DriftProcess.run(["inspect", truncated.path], in: folder), mentions: [truncated.path])

        var flipped = good
        flipped[good.count * 3 / 4] ^= 0x10
        let bitflip = folder.appendingPathComponent("bitflip.h5")
        try flipped.write(to: bitflip)
        assertCleanFailure(try DriftProcess.run(["inspect", bitflip.path], in: folder), mentions: [bitflip.path])

        let text = folder.appendingPathComponent("notes.h5")
        try Data("not hdf5 at all".utf8).write(to: text)
        assertCleanFailure(try DriftProcess.run(["inspect", text.path], in: folder), mentions: ["not an HDF5 file"])

        // A resume from a damaged checkpoint fails before training and leaves the file as it was.
        try flipped.write(to: run.appendingPathComponent("checkpoint.h5"))
        assertCleanFailure(try DriftProcess.run(["train", "--resume", run.path], in: folder), mentions: ["checkpoint.h5"])
        XCTAssertEqual(try Data(contentsOf: run.appendingPathComponent("checkpoint.h5")), flipped)
    }

    func testMissingOrDamagedDataAreOneLineErrors() throws {
        let folder = temporaryFolder()
        defer { try? FileManager.default.removeItem(at: folder) }
        let empty = folder.appendingPathComponent("empty")
        try FileManager.default.createDirectory(at: empty, withIntermediateDirectories: true)
        let run = folder.appendingPathComponent("run").path
        let args = ["train", "--data", "fashion-mnist", "--model", "unet28", "--steps", "1", "--out", run]
        assertCleanFailure(try DriftProcess.run(args, in: folder, environment: ["DRIFT_FASHION_MNIST": empty.path]),
                           mentions: ["dataset-fashion-mnist", "apt-get install"])

        // Truncated and garbage IDX files (labels real when the system has them, else garbage too).
        let damaged = folder.appendingPathComponent("damaged")
        try FileManager.default.createDirectory(at: damaged, withIntermediateDirectories: true)
        let system = "/usr/share/datasets/fashion-mnist/"
        for name in ["train-images-idx3-ubyte.gz", "train-labels-idx1-ubyte.gz"] {
            let real = try? Data(contentsOf: URL(fileURLWithPath: system + name))
            try (real.map { $0.prefix($0.count / 3) } ?? Data("garbage".utf8)).write(to: damaged.appendingPathComponent(name))
        }
        assertCleanFailure(try DriftProcess.run(args, in: folder, environment: ["DRIFT_FASHION_MNIST": damaged.path]),
                           mentions: ["train-"])
        try Data(repeating: 0x42, count: 5000).write(to: damaged.appendingPathComponent("train-images-idx3-ubyte.gz"))
        assertCleanFailure(try DriftProcess.run(args, in: folder, environment: ["DRIFT_FASHION_MNIST": damaged.path]),
                           mentions: ["train-images-idx3-ubyte.gz"])
        XCTAssertFalse(FileManager.default.fileExists(atPath: run), "a failed start leaves no run folder")
    }

    func testImageRunsOnAPNGFolderAndOnFashionMNIST() throws {
        let folder = temporaryFolder()
        defer { try? FileManager.default.removeItem(at: folder) }
        // Twelve 12×10 gray gradients, centre-cropped and resized to 8×8.
        let images = folder.appendingPathComponent("images")
        try FileManager.default.createDirectory(at: images, withIntermediateDirectories: true)
        for i in 0..<12 { try TestPNG.write(width: 12, height: 10, shade: UInt8(i * 20), to: images.appendingPathComponent("img\(i).png").path) }
        let run = folder.appendingPathComponent("run")
        let out = try DriftProcess.run(["train", "--data", "folder:" + images.path, "--image-size", "8", "--color", "gray",
                                        "--model", "unet", "--channels", "8", "--mults", "1,2", "--flip",
                                        "--steps", "3", "--batch", "4", "--preview-steps", "2", "--threads", "1", "--out", run.path], in: folder)
        XCTAssertEqual(out.status, 0, out.stderr)
        let inspect = try DriftProcess.run(["inspect", run.appendingPathComponent("checkpoint.h5").path], in: folder)
        XCTAssertTrue(inspect.stdout.contains("\"imageSize\":8"), inspect.stdout)
        XCTAssertTrue(FileManager.default.fileExists(atPath: run.appendingPathComponent("samples/step-00000003.png").path))

        guard FileManager.default.fileExists(atPath: "/usr/share/datasets/fashion-mnist/train-images-idx3-ubyte.gz") else {
            throw XCTSkip("dataset-fashion-mnist is not installed")
        }
        let fm = folder.appendingPathComponent("fm")
        let fmOut = try DriftProcess.run(["train", "--data", "fashion-mnist", "--model", "unet28", "--objective", "cfm",
                                          "--steps", "2", "--batch", "4", "--preview-steps", "1", "--out", fm.path], in: folder)
        XCTAssertEqual(fmOut.status, 0, fmOut.stderr)
        XCTAssertTrue(fmOut.stderr.contains("2152289 parameters"), fmOut.stderr)
    }
}
