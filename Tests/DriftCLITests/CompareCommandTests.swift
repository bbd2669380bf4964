import Foundation
import XCTest
import NN
import TensorCore
import Training
import DriftIO

/// `drift compare`, run as a user would run it.
final class CompareCommandTests: XCTestCase {
    let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
    var ring: String { root.appendingPathComponent("checkpoints/gmm-ring8.json").path }

    func rows(_ folder: URL) throws -> [[String]] {
        try String(contentsOf: folder.appendingPathComponent("results.csv"), encoding: .utf8)
            .split(separator: "\n").map { $0.split(separator: ",", omittingEmptySubsequences: false).map(String.init) }
    }

    func testASmallSweepWritesTheReportAndIsReproducible() throws {
        let folder = temporaryFolder()
        defer { try? FileManager.default.removeItem(at: folder) }
        let out = folder.appendingPathComponent("cmp")
        let args = ["compare", "--model", ring, "--sampler", "heun-karras-18", "--sampler", "em-500", "--sampler", "dopri5",
                    "--nfe", "20,5", "--n", "200", "--seed", "4"]
        let run = try DriftProcess.run(args + ["--out", out.path], in: root)
        XCTAssertEqual(run.status, 0, run.stderr)
        XCTAssertTrue(run.stderr.contains("100%") && run.stderr.contains("ETA"), "progress: \(run.stderr)")
        for file in ["results.csv", "winners.csv", "paired.csv", "pareto.csv", "report.html", "grid.png", "trajectories.png", "cells/heun-karras-18-nfe5.png"] {
            XCTAssertTrue(FileManager.default.fileExists(atPath: out.appendingPathComponent(file).path), file)
        }
        let table = try rows(out)
        XCTAssertEqual(table[0], ["sampler", "kind", "grid", "requested_nfe", "nfe", "steps", "rtol", "seconds", "sw2sq", "sw2sq_se", "mmd2", "mmd2_se",
                                  "nll", "nll_se", "ode_error", "ode_error_se"])
        // Heun on the exact mixture: 2 NFE a step (the step to σ = 0 is defined), so 2 steps fit 5 NFE.
        let heun5 = try XCTUnwrap(table.first { $0[0] == "heun-karras-18" && $0[3] == "5" })
        XCTAssertEqual(Array(heun5[1...5]), ["ODE", "karras", "5", "4", "2"])
        let heun20 = try XCTUnwrap(table.first { $0[0] == "heun-karras-18" && $0[3] == "20" })
        XCTAssertLessThan(try XCTUnwrap(Double(heun20[14])), try XCTUnwrap(Double(heun5[14])), "ODE error shrinks with NFE")
        // Every metric has a standard error: the bootstrap's for SW2 and the flow-map error.
        XCTAssertGreaterThan(try XCTUnwrap(Double(heun20[9])), 0, "sw2sq_se")
        XCTAssertGreaterThan(try XCTUnwrap(Double(heun20[15])), 0, "ode_error_se")
        let em = try XCTUnwrap(table.first { $0[0] == "em-500" && $0[3] == "20" })
        XCTAssertEqual(Array(em[1...2]), ["SDE", "uniform"])
        XCTAssertEqual(em[14], "", "no flow-map error for an SDE sampler")
        XCTAssertNil(table.first { $0[0] == "dopri5" && $0[3] == "5" }, "dopri5 cannot run in 5 NFE")
        XCTAssertEqual(table.last?[0], "exact-vs-exact")
        let html = try String(contentsOf: out.appendingPathComponent("report.html"), encoding: .utf8)
        XCTAssertTrue(html.contains("<svg") && html.contains("data:image/png;base64,") && html.contains("stroke-dasharray=\"6 3\""))
        XCTAssertTrue(html.contains("dopri5 at NFE ≤ 5"), "skipped cells are listed")
        XCTAssertTrue(html.contains("heun-karras-18 (karras)") && html.contains("em-500 (uniform)"), "legends name each line's grid")
        // Same seed, same numbers (every column but the wall time).
        let again = folder.appendingPathComponent("again")
        XCTAssertEqual(try DriftProcess.run(args + ["--out", again.path, "--trajectories", "0"], in: root).status, 0)
        let drop = { (t: [[String]]) in t.map { $0.enumerated().filter { $0.offset != 7 }.map(\.element) } }
        XCTAssertEqual(drop(try rows(again)), drop(table))
        for file in ["winners.csv", "paired.csv", "pareto.csv"] {
            XCTAssertEqual(try String(contentsOf: again.appendingPathComponent(file), encoding: .utf8),
                           try String(contentsOf: out.appendingPathComponent(file), encoding: .utf8), file)
        }
    }

    /// `--grid` makes the time grid a factor of its own: each fixed-step sampler on each grid, the
    /// adaptive ones once; Heun and iPNDM on the same Karras grid compare solvers, not grids.
    func testTheGridIsASweepAxisOfItsOwn() throws {
        let folder = temporaryFolder()
        defer { try? FileManager.default.removeItem(at: folder) }
        let out = folder.appendingPathComponent("cmp")
        let run = try DriftProcess.run(["compare", "--model", ring, "--sampler", "euler-50", "--sampler", "ipndm-10", "--sampler", "dopri5",
                                        "--grid", "karras,logsnr", "--nfe", "10", "--n", "40", "--metric", "ode-error", "--out", out.path], in: root)
        XCTAssertEqual(run.status, 0, run.stderr)
        let names = try rows(out).dropFirst().map { $0[0] }
        XCTAssertEqual(Set(names.filter { $0.contains("@") }), ["euler-50@karras", "euler-50@logsnr", "ipndm-10@karras", "ipndm-10@logsnr"])
        XCTAssertFalse(names.contains { $0.hasPrefix("dopri5@") }, "an adaptive sampler runs once")
        let base = ["compare", "--model", ring, "--n", "40", "--out", folder.appendingPathComponent("bad").path]
        assertCleanFailure(try DriftProcess.run(base + ["--grid", "karras,cosine"], in: root), mentions: ["unknown grid 'cosine'", "logsnr"])
        assertCleanFailure(try DriftProcess.run(base + ["--sampler", "dopri5", "--sampler", "bosh3", "--grid", "karras"], in: root),
                           mentions: ["no sampler given runs on those grids"])
        XCTAssertFalse(FileManager.default.fileExists(atPath: folder.appendingPathComponent("bad").path))
    }

    /// "Uniform" stays uniform in the path's time; on the EDM path (t = σ) that is uniform in σ, measured
    /// far worse than a noise-level grid (docs/sampling.md), so every command that would run it says so in one line.
    func testAUniformGridOnTheEDMPathIsSaidInOneWarning() throws {
        let folder = temporaryFolder()
        defer { try? FileManager.default.removeItem(at: folder) }
        let spec = try String(contentsOfFile: ring, encoding: .utf8).replacingOccurrences(of: "\"rectified\"", with: "\"edm\"")
        let edm = folder.appendingPathComponent("ring8-edm.json")
        try spec.write(to: edm, atomically: true, encoding: .utf8)
        let sample = ["sample", "--model", edm.path, "--n", "8", "--out", folder.appendingPathComponent("s.h5").path]
        let uniform = try DriftProcess.run(sample + ["--sampler", "euler-50"], in: root)
        XCTAssertEqual(uniform.status, 0, uniform.stderr)
        XCTAssertTrue(uniform.stderr.contains("warning: euler-50 steps uniformly in t") && uniform.stderr.contains("--grid karras"), uniform.stderr)
        let karras = try DriftProcess.run(sample + ["--sampler", "euler-50", "--grid", "karras"], in: root)
        XCTAssertEqual(karras.status, 0, karras.stderr)
        XCTAssertFalse(karras.stderr.contains("warning"), karras.stderr)
        let onRectified = try DriftProcess.run(["sample", "--model", ring, "--n", "8", "--sampler", "euler-50",
                                                "--out", folder.appendingPathComponent("r.h5").path], in: root)
        XCTAssertFalse(onRectified.stderr.contains("warning"), "uniform in t is a fine grid on the rectified path")
        let compare = try DriftProcess.run(["compare", "--model", edm.path, "--sampler", "euler-50", "--grid", "uniform,karras", "--nfe", "20",
                                            "--n", "40", "--metric", "sw2", "--out", folder.appendingPathComponent("cmp").path], in: root)
        XCTAssertEqual(compare.status, 0, compare.stderr)
        XCTAssertTrue(compare.stderr.contains("warning: euler-50@uniform steps uniformly"), compare.stderr)
        XCTAssertFalse(compare.stderr.contains("euler-50@karras steps"), compare.stderr)
    }

    func testBadInputFailsWithOneLineAndNoReport() throws {
        let folder = temporaryFolder()
        defer { try? FileManager.default.removeItem(at: folder) }
        let out = folder.appendingPathComponent("cmp").path
        let base = ["compare", "--model", ring, "--n", "50", "--out", out]
        assertCleanFailure(try DriftProcess.run(base + ["--metric", "fid"], in: root), mentions: ["unknown metric 'fid'", "sw2"])
        assertCleanFailure(try DriftProcess.run(base + ["--sampler", "nope"], in: root), mentions: ["nope", "heun-karras-18"])
        assertCleanFailure(try DriftProcess.run(base + ["--nfe", ""], in: root), mentions: ["--nfe is empty"])
        assertCleanFailure(try DriftProcess.run(base + ["--nfe", "10,0"], in: root), mentions: ["'0' is not a positive integer"])
        assertCleanFailure(try DriftProcess.run(base + ["--nfe", "10,x"], in: root), mentions: ["'x'"])
        // Too few samples for the bootstrap to mean anything (the limit is said), and a negative count.
        assertCleanFailure(try DriftProcess.run(["compare", "--model", ring, "--n", "12", "--out", out], in: root),
                           mentions: ["at least 20 samples", "--bootstrap 0"])
        assertCleanFailure(try DriftProcess.run(base + ["--bootstrap=-1"], in: root), mentions: ["resamples ≥ 0"])
        assertCleanFailure(try DriftProcess.run(["compare", "--model", ring, "--n", "100000000000", "--out", out], in: root),
                           mentions: ["--n 100000000000", "in one batch", "TB of memory"])
        XCTAssertFalse(FileManager.default.fileExists(atPath: out), "no partial report")
        // A metric that does not fit the model's data: sw2 on 28×28 images.
        let fashion = root.appendingPathComponent("checkpoints/fashion-cfm-unet28.h5").path
        assertCleanFailure(try DriftProcess.run(["compare", "--model", fashion, "--metric", "sw2", "--out", out], in: root),
                           mentions: ["sw2"])
        assertCleanFailure(try DriftProcess.run(["compare", "--model", fashion, "--metric", "nll", "--out", out], in: root),
                           mentions: ["analytic Gaussian-mixture"])
        assertCleanFailure(try DriftProcess.run(["compare", "--model", fashion, "--n", "9000", "--guidance", "0,1", "--out", out], in: root),
                           mentions: ["--n 9000", "(doubled by guidance)", "GB of memory"])
        // An output folder with other content is refused unless --force.
        try FileManager.default.createDirectory(atPath: out, withIntermediateDirectories: true)
        try "keep".write(toFile: out + "/notes.txt", atomically: true, encoding: .utf8)
        let small = ["compare", "--model", ring, "--sampler", "euler-50", "--nfe", "5", "--n", "50", "--out", out]
        assertCleanFailure(try DriftProcess.run(small, in: root), mentions: ["exists and is not empty", "--force"])
        XCTAssertTrue(FileManager.default.fileExists(atPath: out + "/notes.txt"))
        XCTAssertEqual(try DriftProcess.run(small + ["--force"], in: root).status, 0)
        XCTAssertFalse(FileManager.default.fileExists(atPath: out + "/notes.txt"))
        XCTAssertTrue(FileManager.default.fileExists(atPath: out + "/report.html"))
    }
}

/// Image metrics in the shipped classifier's features, on a tiny sweep of the shipped Fashion-MNIST model.
final class CompareImageMetricsTests: XCTestCase {
    func testImageModelsGetClassifierMetricsBesideTheTrainTestFloor() throws {
        let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
        try skipWithoutFashionMNIST()
        let folder = temporaryFolder()
        defer { try? FileManager.default.removeItem(at: folder) }
        let out = folder.appendingPathComponent("cmp")
        let run = try DriftProcess.run(["compare", "--model", root.appendingPathComponent("checkpoints/fashion-cfm-unet28.h5").path,
                                        "--sampler", "dpmpp-2m-20", "--nfe", "3", "--n", "12", "--bootstrap", "0", "--out", out.path], in: root)
        XCTAssertEqual(run.status, 0, run.stderr)
        let table = try String(contentsOf: out.appendingPathComponent("results.csv"), encoding: .utf8)
            .split(separator: "\n").map { $0.split(separator: ",", omittingEmptySubsequences: false).map(String.init) }
        XCTAssertEqual(table[0], ["sampler", "kind", "grid", "requested_nfe", "nfe", "steps", "rtol", "seconds", "fd", "fd_se", "fd_half", "fd_quarter",
                                  "fd_inf", "kid", "kid_se", "precision", "precision_se", "recall", "recall_se", "class_deviation",
                                  "class_deviation_se"])
        XCTAssertEqual(table[1][9], "", "no bootstrap, no fd_se")
        XCTAssertEqual(table.count, 3)
        XCTAssertEqual(table[2][0], "train-vs-test")
        let fd = try XCTUnwrap(Double(table[1][8])), floor = try XCTUnwrap(Double(table[2][8]))
        XCTAssertGreaterThan(fd, floor, "3-NFE samples are farther from the test images than training images are")
        XCTAssertTrue(FileManager.default.fileExists(atPath: out.appendingPathComponent("cells/dpmpp-2m-20-nfe3.png").path))
    }
}

final class TrainClassifierCommandTests: XCTestCase {
    func testBadSettingsAreOneLineErrors() throws {
        let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
        let out = temporaryFolder().appendingPathComponent("c.h5").path
        assertCleanFailure(try DriftProcess.run(["train-classifier", "--epochs", "0", "--out", out], in: root), mentions: ["--epochs"])
        assertCleanFailure(try DriftProcess.run(["train-classifier", "--lr", "-1", "--out", out], in: root), mentions: ["--lr"])
        XCTAssertFalse(FileManager.default.fileExists(atPath: out))
    }
}

/// `drift compare --guidance` on a class-conditional image checkpoint (untrained weights: the test checks the sweep and its files).
final class CompareGuidanceTests: XCTestCase {
    let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()

    /// A freshly initialized class-conditional unet-tiny on Fashion-MNIST's classes, as a checkpoint
    /// (`conditional: false`: an unconditional one).
    func conditionalCheckpoint(in folder: URL, dropout: Double = 0.1, seed: UInt64 = 1, conditional: Bool = true) throws -> String {
        var model = ModelPreset.unetTiny.config
        model.classCount = conditional ? 10 : 0
        let config = TrainingConfig(data: .fashionMNIST(split: .train), model: model, objective: ObjectiveConfig(kind: .cfm),
                                    path: .standard(.rectified), steps: 1, batchSize: 8, learningRate: 1e-3,
                                    conditioning: conditional ? ClassConditioning(classNames: FashionMNIST.classNames, labelDropout: dropout) : nil)
        let net = try model.build(key: RandomKey(seed: seed))
        let file = folder.appendingPathComponent("\(conditional ? "conditional" : "unconditional")-\(dropout)-\(seed).h5").path
        try Checkpoint(training: config, step: 0, dataPosition: 0, rootKey: RandomKey(seed: config.seed),
                       parameters: net.parameterSnapshot(), ema: net.parameterSnapshot(), optimizer: OptimizerState()).write(to: file)
        return file
    }

    func testAGuidanceSweepWritesItsTableChartsAndGrid() throws {
        try skipWithoutFashionMNIST()
        let folder = temporaryFolder()
        defer { try? FileManager.default.removeItem(at: folder) }
        let model = try conditionalCheckpoint(in: folder), out = folder.appendingPathComponent("cmp")
        let run = try DriftProcess.run(["compare", "--model", model, "--sampler", "dpmpp-2m-20", "--nfe", "3", "--n", "20",
                                        "--guidance", "0,3", "--out", out.path], in: root)
        XCTAssertEqual(run.status, 0, run.stderr)
        let table = try String(contentsOf: out.appendingPathComponent("guidance.csv"), encoding: .utf8)
            .split(separator: "\n").map { $0.split(separator: ",", omittingEmptySubsequences: false).map(String.init) }
        XCTAssertEqual(table[0], ["sampler", "kind", "grid", "guidance", "guide", "sigma_lo", "sigma_hi", "requested_nfe", "nfe", "network_nfe",
                                  "steps", "rtol", "seconds", "fd", "fd_se",
                                  "fd_half", "fd_quarter", "fd_inf", "class_accuracy", "class_accuracy_se", "diversity", "diversity_se",
                                  "precision", "precision_se", "recall", "recall_se"])
        XCTAssertEqual(table.map { $0[3] }.dropFirst(), ["0", "3", ""])
        XCTAssertEqual(table.map { $0[4] }.dropFirst(), ["none", "cfg", ""])
        // NFE 3: three plain passes at w = 0, three doubled ones at w = 3.
        XCTAssertEqual(table.map { $0[9] }.dropFirst(), ["3", "6", ""])
        for row in table.dropFirst() {
            let accuracy = try XCTUnwrap(Double(row[18]))
            XCTAssertTrue((0...1).contains(accuracy))
        }
        // Training images with their own labels: the classifier agrees with most of them.
        XCTAssertGreaterThan(try XCTUnwrap(Double(table[3][14])), 0.8)
        let html = try String(contentsOf: out.appendingPathComponent("report.html"), encoding: .utf8)
        XCTAssertTrue(html.contains("Guidance sweep"))
        XCTAssertTrue(FileManager.default.fileExists(atPath: out.appendingPathComponent("guidance-grid.png").path))
        XCTAssertTrue(FileManager.default.fileExists(atPath: out.appendingPathComponent("guidance/dpmpp-2m-20-w3.png").path))
    }

    /// Autoguidance and interval rows beside plain classifier-free guidance, from the same noise:
    /// guidance.csv names each row's method and interval and counts its network passes.
    func testAGuidanceSweepPutsAutoguidanceAndIntervalsBesidePlainGuidance() throws {
        try skipWithoutFashionMNIST()
        let folder = temporaryFolder()
        defer { try? FileManager.default.removeItem(at: folder) }
        // Two initializations of one network: the guide is "a bad version" of the model in the only sense a test can afford.
        let model = try conditionalCheckpoint(in: folder), guide = try conditionalCheckpoint(in: folder, seed: 2)
        let out = folder.appendingPathComponent("cmp")
        let run = try DriftProcess.run(["compare", "--model", model, "--sampler", "euler-50", "--nfe", "4", "--n", "20", "--guidance", "0,2",
                                        "--guide", guide, "--guidance-interval", "0.5,2", "--bootstrap", "0", "--out", out.path], in: root)
        XCTAssertEqual(run.status, 0, run.stderr)
        let table = try String(contentsOf: out.appendingPathComponent("guidance.csv"), encoding: .utf8)
            .split(separator: "\n").map { $0.split(separator: ",", omittingEmptySubsequences: false).map(String.init) }
        XCTAssertEqual(Array(table[0][3...9]), ["guidance", "guide", "sigma_lo", "sigma_hi", "requested_nfe", "nfe", "network_nfe"])
        let rows = table.dropFirst().dropLast()
        XCTAssertEqual(rows.map { $0[3] + " " + $0[4] + " " + $0[5] + " " + $0[6] },
                       ["0 none  ", "2 cfg  ", "2 auto  ", "2 cfg 0.5 2", "2 auto 0.5 2"])
        // Euler at t = 1, 0.75, 0.5, 0.25: σ/α = ∞, 3, 1, 1/3, so one of the four evaluations is in [0.5, 2].
        XCTAssertEqual(rows.map { $0[9] }, ["4", "8", "8", "5", "5"])
        let html = try String(contentsOf: out.appendingPathComponent("report.html"), encoding: .utf8)
        XCTAssertTrue(html.contains("euler-50 (uniform) · auto σ∈[0.5, 2]") && html.contains("with the guide"), "the report's lines name each variant")
        for name in ["euler-50-w0.png", "euler-50-w2.png", "euler-50-auto-w2.png", "euler-50-cfg-0.5-2-w2.png", "euler-50-auto-0.5-2-w2.png"] {
            XCTAssertTrue(FileManager.default.fileExists(atPath: out.appendingPathComponent("guidance/" + name).path), name)
        }
        XCTAssertNotEqual(rows.map { $0[13] }[1], rows.map { $0[13] }[2], "classifier-free guidance and autoguidance differ (fd)")
    }

    /// An unconditional image model is swept with autoguidance alone (no classes drawn: fd, precision,
    /// recall, and how far the samples' class histogram is from uniform).
    func testAnUnconditionalModelIsSweptWithAutoguidanceAlone() throws {
        try skipWithoutFashionMNIST()
        let folder = temporaryFolder()
        defer { try? FileManager.default.removeItem(at: folder) }
        let model = try conditionalCheckpoint(in: folder, conditional: false), guide = try conditionalCheckpoint(in: folder, seed: 2, conditional: false)
        let out = folder.appendingPathComponent("cmp")
        let run = try DriftProcess.run(["compare", "--model", model, "--sampler", "euler-50", "--nfe", "3", "--n", "20", "--guidance", "0,1",
                                        "--guide", guide, "--bootstrap", "0", "--out", out.path], in: root)
        XCTAssertEqual(run.status, 0, run.stderr)
        let table = try String(contentsOf: out.appendingPathComponent("guidance.csv"), encoding: .utf8)
            .split(separator: "\n").map { $0.split(separator: ",", omittingEmptySubsequences: false).map(String.init) }
        XCTAssertEqual(Array(table[0][13...]), ["fd", "fd_se", "fd_half", "fd_quarter", "fd_inf", "precision", "precision_se", "recall", "recall_se",
                                                "class_deviation", "class_deviation_se"])
        XCTAssertEqual(table.dropFirst().map { $0[4] + " " + $0[9] }, ["none 3", "auto 6", " "])
        assertCleanFailure(try DriftProcess.run(["compare", "--model", model, "--guidance", "0,1", "--out", out.path + "2"], in: root),
                           mentions: ["is unconditional", "--guide"])
    }

    /// A class-conditional model's unconditional sampling (its null class) is swept with autoguidance
    /// alone, the guide's null class guiding: no classes drawn, so fd, precision, recall and the class histogram.
    func testAClassModelsNullClassIsSweptWithAutoguidanceUnderUnconditional() throws {
        try skipWithoutFashionMNIST()
        let folder = temporaryFolder()
        defer { try? FileManager.default.removeItem(at: folder) }
        let model = try conditionalCheckpoint(in: folder), guide = try conditionalCheckpoint(in: folder, seed: 2)
        let out = folder.appendingPathComponent("cmp")
        let sweep = ["compare", "--model", model, "--sampler", "euler-50", "--nfe", "3", "--n", "20", "--guidance", "0,1", "--guide", guide,
                     "--bootstrap", "0"]
        let run = try DriftProcess.run(sweep + ["--unconditional", "--out", out.path], in: root)
        XCTAssertEqual(run.status, 0, run.stderr)
        let table = try String(contentsOf: out.appendingPathComponent("guidance.csv"), encoding: .utf8)
            .split(separator: "\n").map { $0.split(separator: ",", omittingEmptySubsequences: false).map(String.init) }
        XCTAssertEqual(Array(table[0][13...]), ["fd", "fd_se", "fd_half", "fd_quarter", "fd_inf", "precision", "precision_se", "recall", "recall_se",
                                                "class_deviation", "class_deviation_se"])
        XCTAssertEqual(table.dropFirst().map { $0[4] + " " + $0[9] }, ["none 3", "auto 6", " "], "no classifier-free row")
        // w = 0 of the unconditional sweep is the main sweep's null-class cell at the same budget, from the same noise.
        let main = try String(contentsOf: out.appendingPathComponent("results.csv"), encoding: .utf8).split(separator: "\n")
        let header = main[0].split(separator: ",").map(String.init), fd = header.firstIndex(of: "fd")!
        XCTAssertEqual(main[1].split(separator: ",", omittingEmptySubsequences: false)[fd], table[1][13][...], "the same draws")
        // The class sweep of the same model differs: its rows draw classes.
        let classes = try DriftProcess.run(sweep + ["--out", folder.appendingPathComponent("cmp-classes").path], in: root)
        XCTAssertEqual(classes.status, 0, classes.stderr)
        let classTable = try String(contentsOf: folder.appendingPathComponent("cmp-classes/guidance.csv"), encoding: .utf8)
        XCTAssertTrue(classTable.contains(",cfg,") && classTable.contains("accuracy"))
        // Bad input: no guide, an unconditional model, a conditional metric, a model without a null class.
        assertCleanFailure(try DriftProcess.run(["compare", "--model", model, "--guidance", "0,1", "--unconditional", "--out", out.path + "2"], in: root),
                           mentions: ["--unconditional", "--guide"])
        let plain = try conditionalCheckpoint(in: folder, conditional: false)
        assertCleanFailure(try DriftProcess.run(["compare", "--model", plain, "--guidance", "0,1", "--guide", guide, "--unconditional", "--out", out.path + "2"], in: root),
                           mentions: ["unconditional already", "drop --unconditional"])
        assertCleanFailure(try DriftProcess.run(sweep + ["--unconditional", "--metric", "accuracy", "--out", out.path + "2"], in: root),
                           mentions: ["--metric accuracy", "--unconditional"])
        let noDropout = try conditionalCheckpoint(in: folder, dropout: 0)
        assertCleanFailure(try DriftProcess.run(["compare", "--model", noDropout, "--guidance", "0,1", "--guide", guide, "--unconditional", "--out", out.path + "2"], in: root),
                           mentions: ["--label-dropout 0"])
        XCTAssertFalse(FileManager.default.fileExists(atPath: out.path + "2"))
    }

    func testBadGuidanceSweepsAreOneLineErrors() throws {
        let folder = temporaryFolder()
        defer { try? FileManager.default.removeItem(at: folder) }
        let out = folder.appendingPathComponent("cmp").path
        let unconditional = root.appendingPathComponent("checkpoints/moons-cfm.h5").path
        assertCleanFailure(try DriftProcess.run(["compare", "--model", unconditional, "--guidance", "0,1", "--out", out], in: root),
                           mentions: ["is unconditional"])
        assertCleanFailure(try DriftProcess.run(["compare", "--model", unconditional, "--guidance", "-1", "--out", out], in: root),
                           mentions: ["not a number ≥ 0"])
        assertCleanFailure(try DriftProcess.run(["compare", "--model", unconditional, "--metric", "accuracy", "--out", out], in: root),
                           mentions: ["needs class-conditional sampling", "--guidance"])
        let noDropout = try conditionalCheckpoint(in: folder, dropout: 0)
        assertCleanFailure(try DriftProcess.run(["compare", "--model", noDropout, "--guidance", "0,2", "--out", out], in: root),
                           mentions: ["--label-dropout 0", "no null class"])
        let conditional = try conditionalCheckpoint(in: folder)
        assertCleanFailure(try DriftProcess.run(["compare", "--model", conditional, "--guidance", "0,2", "--guide", unconditional, "--out", out], in: root),
                           mentions: ["--guide", "shape [2]"])
        assertCleanFailure(try DriftProcess.run(["compare", "--model", conditional, "--guidance", "0", "--guide", conditional, "--out", out], in: root),
                           mentions: ["needs a guidance sweep with a weight > 0"])
        assertCleanFailure(try DriftProcess.run(["compare", "--model", conditional, "--guidance", "1", "--guidance-interval", "2,0.5", "--out", out], in: root),
                           mentions: ["reversed"])
        XCTAssertFalse(FileManager.default.fileExists(atPath: out))
    }
}

/// Skips a test that needs Fashion-MNIST's files (Debian's dataset-fashion-mnist, or DRIFT_FASHION_MNIST).
func skipWithoutFashionMNIST() throws {
    guard FileManager.default.fileExists(atPath: "/usr/share/datasets/fashion-mnist/t10k-images-idx3-ubyte.gz")
        || ProcessInfo.processInfo.environment["DRIFT_FASHION_MNIST"] != nil else { throw XCTSkip("Fashion-MNIST is not installed") }
}
