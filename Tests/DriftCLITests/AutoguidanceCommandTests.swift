import Foundation
import XCTest
import DriftIO
import TensorIO

/// `drift sample --guide` (autoguidance) and `--guidance-interval` on analytic Gaussians, where
/// the guided probability-flow ODE's flow map is known: data N(μ, s²) guided by N(μ, s_g²) with
/// weight w ends with std s^{1+w}/s_g^w on the rectified path (`GuidedGaussianSamplingTests`).
final class AutoguidanceCommandTests: XCTestCase {
    /// A spec of `components` Gaussians (means 0.7·(k + 1), std `s`) on `path`.
    func spec(_ folder: URL, _ name: String, s: Double, components: Int = 1, dimension: Int = 2, path: String = "rectified",
              parametrization: String = "velocity") throws -> String {
        let means = (0..<components).map { k in [Double](repeating: 0.7 * Double(k + 1), count: dimension) }
        let stds = [[Double]](repeating: [Double](repeating: s, count: dimension), count: components)
        let weights = [Double](repeating: 1 / Double(components), count: components)
        let text = """
            {"weights": \(weights), "means": \(means), "stds": \(stds), "path": "\(path)", "parametrization": "\(parametrization)"}
            """
        let file = folder.appendingPathComponent(name)
        try text.write(to: file, atomically: true, encoding: .utf8)
        return file.path
    }

    func std(_ file: String) throws -> Double {
        let r = try HDF5Reader(path: file)
        defer { r.close() }
        let x = try r.readTensor("/samples").scalars.enumerated().filter { $0.offset % 2 == 0 }.map { Double($0.element) }
        let m = x.reduce(0, +) / Double(x.count)
        return (x.map { ($0 - m) * ($0 - m) }.reduce(0, +) / Double(x.count - 1)).squareRoot()
    }

    func attributes(_ file: String) throws -> (nfe: Int64, passes: Int64, guide: String?) {
        let r = try HDF5Reader(path: file)
        defer { r.close() }
        guard case .int64(let nfe) = try r.attribute("nfe"), case .int64(let passes) = try r.attribute("network_passes") else {
            throw XCTSkip("no nfe/network_passes attributes")
        }
        var guide: String?
        if case .string(let g)? = try? r.attribute("guide") { guide = g }
        return (nfe, passes, guide)
    }

    func testSamplingWithAGuideNarrowsAsTheFlowMapSaysAndCountsItsPasses() throws {
        let folder = temporaryFolder()
        defer { try? FileManager.default.removeItem(at: folder) }
        let model = try spec(folder, "model.json", s: 0.5), guide = try spec(folder, "wide.json", s: 0.8)
        let out = folder.appendingPathComponent("auto.h5").path
        let base = ["sample", "--model", model, "--sampler", "dopri5", "--rtol", "1e-5", "--atol", "1e-7", "--n", "4000", "--seed", "1", "--png", "none"]
        let run = try DriftProcess.run(base + ["--guide", guide, "--guidance", "1", "--out", out], in: folder)
        XCTAssertEqual(run.status, 0, run.stderr)
        XCTAssertTrue(run.stdout.contains("autoguidance 1 with \(guide)"), run.stdout)
        // s^{1+w}/s_g^w = 0.25/0.8 = 0.3125 (the "tilted" Gaussian p²/p_g would have std 0.394).
        XCTAssertEqual(try std(out), 0.3125, accuracy: 4 * 0.3125 / (2.0 * 4000).squareRoot())
        let a = try attributes(out)
        XCTAssertEqual(a.passes, 2 * a.nfe)
        XCTAssertEqual(a.guide, guide)

        let limited = folder.appendingPathComponent("interval.h5").path
        let inInterval = try DriftProcess.run(base + ["--guide", guide, "--guidance", "1", "--guidance-interval", "0.5,2", "--out", limited], in: folder)
        XCTAssertEqual(inInterval.status, 0, inInterval.stderr)
        XCTAssertTrue(inInterval.stdout.contains("guided where σ/α ∈ [0.5, 2]"), inInterval.stdout)
        let b = try attributes(limited)
        XCTAssertGreaterThan(b.passes, b.nfe)
        XCTAssertLessThan(b.passes, 2 * b.nfe)
        // Guided for t ∈ [1/3, 2/3] only: narrower than the data (0.5), wider than guidance everywhere.
        let narrowed = try std(limited)
        XCTAssertTrue(narrowed > 0.33 && narrowed < 0.48, "\(narrowed)")

        // Class rows: the guide is evaluated at the row's class.
        let two = try spec(folder, "two.json", s: 0.5, components: 2), twoWide = try spec(folder, "two-wide.json", s: 0.8, components: 2)
        let classRun = try DriftProcess.run(base + ["--model", two, "--class", "1", "--guide", twoWide, "--guidance", "1",
                                                    "--out", folder.appendingPathComponent("class.h5").path], in: folder)
        XCTAssertEqual(classRun.status, 0, classRun.stderr)
        XCTAssertEqual(try std(folder.appendingPathComponent("class.h5").path), 0.3125, accuracy: 4 * 0.3125 / (2.0 * 4000).squareRoot())
    }

    /// A PNG drawn with a guide records it (path and SHA-256) and draws again bit for bit.
    func testAGuidedPictureIsDrawnAgainBitForBit() throws {
        let folder = temporaryFolder()
        defer { try? FileManager.default.removeItem(at: folder) }
        let model = try spec(folder, "model.json", s: 0.5), guide = try spec(folder, "wide.json", s: 0.8)
        let first = folder.appendingPathComponent("a.png").path, again = folder.appendingPathComponent("b.png").path
        let run = try DriftProcess.run(["sample", "--model", model, "--guide", guide, "--guidance", "2", "--guidance-interval", "0.3,3",
                                        "--n", "300", "--out", first], in: folder)
        XCTAssertEqual(run.status, 0, run.stderr)
        let redraw = try DriftProcess.run(["sample", "--like", first, "--out", again], in: folder)
        XCTAssertEqual(redraw.status, 0, redraw.stderr)
        XCTAssertEqual(try Data(contentsOf: URL(fileURLWithPath: first)), try Data(contentsOf: URL(fileURLWithPath: again)))
        let inspect = try DriftProcess.run(["inspect", first], in: folder)
        XCTAssertTrue(inspect.stdout.contains("autoguidance") && inspect.stdout.contains("σ/α ∈ [0.3, 3]"), inspect.stdout)
        try "{}".write(toFile: guide, atomically: true, encoding: .utf8)
        assertCleanFailure(try DriftProcess.run(["sample", "--like", first, "--out", again + "2.png"], in: folder),
                           mentions: ["the guide", "is not the file that guided it"])
    }

    /// A guide of another shape, path or parametrization or with other classes, and intervals that
    /// are reversed, non-positive or outside the path's noise levels: one line, nothing written.
    func testBadGuidesAndIntervalsAreOneLineErrorsAndWriteNothing() throws {
        let folder = temporaryFolder()
        defer { try? FileManager.default.removeItem(at: folder) }
        let model = try spec(folder, "model.json", s: 0.5, components: 2), out = folder.appendingPathComponent("s.h5").path
        func sample(_ args: [String], model m: String? = nil) throws -> DriftProcess.Output {
            try DriftProcess.run(["sample", "--model", m ?? model, "--n", "8", "--out", out] + args, in: folder)
        }
        let cases: [([String], [String])] = [
            (["--guide", try spec(folder, "3d.json", s: 0.8, components: 2, dimension: 3), "--guidance", "1"], ["--guide", "shape [3]", "shape [2]"]),
            (["--guide", try spec(folder, "vp.json", s: 0.8, components: 2, path: "vp"), "--guidance", "1"], ["vp path", "the same path"]),
            (["--guide", try spec(folder, "score.json", s: 0.8, components: 2, parametrization: "score"), "--guidance", "1"], ["predicts score", "velocity"]),
            (["--guide", try spec(folder, "one.json", s: 0.8), "--guidance", "1", "--class", "1"], ["has classes 0", "the same classes"]),
            (["--guide", folder.appendingPathComponent("missing.h5").path, "--guidance", "1"], ["--guide: no such file"]),
            (["--class", "1", "--guidance", "1", "--guidance-interval", "2,0.5"], ["reversed"]),
            (["--class", "1", "--guidance", "1", "--guidance-interval", "0,2"], ["must be positive"]),
            (["--class", "1", "--guidance", "1", "--guidance-interval", "0.5"], ["two noise levels LO,HI"]),
            (["--class", "1", "--guidance-interval", "0.5,2"], ["--guidance-interval needs --guidance W > 0"]),
            (["--guide", try spec(folder, "w.json", s: 0.8, components: 2)], ["needs --guidance W > 0"]),
        ]
        for (args, fragments) in cases { assertCleanFailure(try sample(args), mentions: fragments) }
        let edm = try spec(folder, "edm.json", s: 0.5, components: 2, path: "edm")
        assertCleanFailure(try sample(["--class", "0", "--guidance", "1", "--guidance-interval", "0.001,5"], model: edm),
                           mentions: ["outside the edm path's noise levels σ/α ∈ [0.002, 80]"])
        XCTAssertFalse(FileManager.default.fileExists(atPath: out))
    }

    /// An unconditional guide cannot guide class rows (that would be classifier-free guidance by
    /// another model), and a guide without a null class cannot guide unconditional sampling.
    func testTheGuideMustHaveTheRunsKindOfRows() throws {
        let folder = temporaryFolder()
        defer { try? FileManager.default.removeItem(at: folder) }
        let tiny = ConditionalCommandTests.tiny
        let conditional = folder.appendingPathComponent("c"), unconditional = folder.appendingPathComponent("u"), noNull = folder.appendingPathComponent("d")
        XCTAssertEqual(try DriftProcess.run(tiny + ["--classes", "auto", "--out", conditional.path], in: folder).status, 0)
        XCTAssertEqual(try DriftProcess.run(tiny + ["--out", unconditional.path], in: folder).status, 0)
        XCTAssertEqual(try DriftProcess.run(tiny + ["--classes", "auto", "--label-dropout", "0", "--out", noNull.path], in: folder).status, 0)
        let c = conditional.appendingPathComponent("checkpoint.h5").path, u = unconditional.appendingPathComponent("checkpoint.h5").path
        let d = noNull.appendingPathComponent("checkpoint.h5").path, out = folder.appendingPathComponent("s.h5").path
        assertCleanFailure(try DriftProcess.run(["sample", "--model", c, "--class", "2", "--guide", u, "--guidance", "1", "--n", "4", "--out", out], in: folder),
                           mentions: ["is unconditional", "cannot guide class-conditional sampling"])
        assertCleanFailure(try DriftProcess.run(["sample", "--model", c, "--guide", d, "--guidance", "1", "--n", "4", "--out", out], in: folder),
                           mentions: ["the guide", "--label-dropout 0"])
        XCTAssertFalse(FileManager.default.fileExists(atPath: out))
        // Unconditional autoguidance of an unconditional model, and class rows guided by a guide
        // trained without a null class (autoguidance needs none), both run.
        XCTAssertEqual(try DriftProcess.run(["sample", "--model", u, "--guide", u, "--guidance", "1", "--n", "4", "--out", out], in: folder).status, 0)
        let classRows = try DriftProcess.run(["sample", "--model", d, "--class", "3", "--guide", c, "--guidance", "1", "--n", "4",
                                              "--out", folder.appendingPathComponent("d.h5").path], in: folder)
        XCTAssertEqual(classRows.status, 0, classRows.stderr)
    }
}
