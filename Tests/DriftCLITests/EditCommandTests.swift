import Foundation
import XCTest
import DriftIO

/// `drift encode`, `drift edit` and `drift interpolate` on an analytic mixture of 8×8 grey images.
final class EditCommandTests: XCTestCase {
    /// Two "images" (Gaussian blobs around a dark and a light 8×8 square), rectified path.
    func mixture(in folder: URL, std: Double = 0.1, name: String = "blobs.json") throws -> String {
        let dark = [Double](repeating: -0.6, count: 64), light = [Double](repeating: 0.5, count: 64)
        let spec = """
            {"weights": [0.5, 0.5], "means": [\(dark), \(light)], "stds": [\([Double](repeating: std, count: 64)), \([Double](repeating: std, count: 64))],
             "path": {"kind": "rectified"}, "parametrization": "velocity", "shape": [1, 8, 8]}
            """
        let file = folder.appendingPathComponent(name)
        try spec.write(to: file, atomically: true, encoding: .utf8)
        return file.path
    }

    func png(_ value: UInt8, size: Int = 8, channels: Int = 1, in folder: URL, _ name: String) throws -> String {
        let path = folder.appendingPathComponent(name).path
        try PixelImage(width: size, height: size, channels: channels, fill: [UInt8](repeating: value, count: channels)).writePNG(to: path)
        return path
    }

    func testEncodeEditAndInterpolateRunOnPNGs() throws {
        let folder = temporaryFolder()
        defer { try? FileManager.default.removeItem(at: folder) }
        let model = try mixture(in: folder)
        let a = try png(51, in: folder, "a.png"), b = try png(191, in: folder, "b.png")
        let noise = folder.appendingPathComponent("noise.h5").path
        let encode = try DriftProcess.run(["encode", "--model", model, "--image", a, "--image", b, "--rtol", "1e-6", "--atol", "1e-8",
                                           "--out", noise], in: folder)
        XCTAssertEqual(encode.status, 0, encode.stderr)
        let reader = try HDF5Reader(path: noise)
        XCTAssertEqual(try reader.info("/noise").shape, [2, 1, 8, 8])
        let rms = try reader.double("reconstruction_rms")
        reader.close()
        XCTAssertLessThan(rms, 1e-3, encode.stdout)
        // The noise decodes back with drift sample --init-noise.
        let back = try DriftProcess.run(["sample", "--model", model, "--sampler", "dopri5", "--rtol", "1e-6", "--atol", "1e-8",
                                         "--init-noise", noise, "--n", "2", "--out", folder.appendingPathComponent("back.h5").path], in: folder)
        XCTAssertEqual(back.status, 0, back.stderr)

        let edited = folder.appendingPathComponent("sdedit.png").path
        let edit = try DriftProcess.run(["edit", "--model", model, "--image", a, "--strength", "0.3,0.9", "--out", edited], in: folder)
        XCTAssertEqual(edit.status, 0, edit.stderr)
        let grid = try PixelImage.readPNG(edited)
        XCTAssertGreaterThan(grid.width, grid.height * 2, "one row of three cells: the input and two strengths")

        let strip = folder.appendingPathComponent("strip.png").path
        let interpolate = try DriftProcess.run(["interpolate", a, b, "--model", model, "--frames", "5", "--out", strip], in: folder)
        XCTAssertEqual(interpolate.status, 0, interpolate.stderr)
        XCTAssertTrue(FileManager.default.fileExists(atPath: strip))
    }

    /// A class of the mixture (component 1: the light square) steers SDEdit at full strength.
    func testEditingFollowsTheRequestedClass() throws {
        let folder = temporaryFolder()
        defer { try? FileManager.default.removeItem(at: folder) }
        let model = try mixture(in: folder)
        let dark = try png(51, in: folder, "dark.png")
        let out = folder.appendingPathComponent("light.png").path
        let edit = try DriftProcess.run(["edit", "--model", model, "--image", dark, "--strength", "1", "--class", "1", "--guidance", "1",
                                         "--out", out], in: folder)
        XCTAssertEqual(edit.status, 0, edit.stderr)
        let grid = try PixelImage.readPNG(out)
        func mean(_ xs: Range<Int>) -> Double {
            var total = 0.0, n = 0
            for y in 0..<grid.height { for x in xs { total += Double(grid[x, y, 0]); n += 1 } }
            return total / Double(n)
        }
        XCTAssertGreaterThan(mean((grid.width / 2)..<grid.width), mean(0..<(grid.width / 2)) + 40, "the edit is the light class")
        assertCleanFailure(try DriftProcess.run(["edit", "--model", model, "--image", dark, "--class", "all", "--out", out], in: folder),
                           mentions: ["--class all is for drift sample"])
        assertCleanFailure(try DriftProcess.run(["interpolate", dark, dark, "--model", model, "--guidance", "1", "--out",
                                                 folder.appendingPathComponent("s.png").path], in: folder),
                           mentions: ["--guidance needs --class"])
    }

    /// --guide and --guidance-interval reach the editing commands: with a class, and without one
    /// (unconditional autoguidance).
    func testEditingTakesAGuideAndAnInterval() throws {
        let folder = temporaryFolder()
        defer { try? FileManager.default.removeItem(at: folder) }
        let model = try mixture(in: folder), wide = try mixture(in: folder, std: 0.2, name: "wide.json")
        let dark = try png(51, in: folder, "dark.png")
        let edit = try DriftProcess.run(["edit", "--model", model, "--image", dark, "--strength", "1", "--class", "1", "--guide", wide,
                                         "--guidance", "1", "--guidance-interval", "0.3,3", "--out", folder.appendingPathComponent("e.png").path], in: folder)
        XCTAssertEqual(edit.status, 0, edit.stderr)
        let strip = try DriftProcess.run(["interpolate", dark, dark, "--model", model, "--guide", wide, "--guidance", "1", "--frames", "3",
                                          "--out", folder.appendingPathComponent("i.png").path], in: folder)
        XCTAssertEqual(strip.status, 0, strip.stderr)
        assertCleanFailure(try DriftProcess.run(["encode", "--model", model, "--image", dark, "--guide", folder.appendingPathComponent("none.json").path,
                                                 "--guidance", "1", "--out", folder.appendingPathComponent("n.h5").path], in: folder),
                           mentions: ["--guide: no such file"])
    }

    func testBadEditingInputsFailWithOneLineAndNoFiles() throws {
        let folder = temporaryFolder()
        defer { try? FileManager.default.removeItem(at: folder) }
        let model = try mixture(in: folder)
        let a = try png(51, in: folder, "a.png"), big = try png(51, size: 12, in: folder, "big.png")
        let colour = try png(51, channels: 3, in: folder, "colour.png")
        let out = folder.appendingPathComponent("out.h5").path, picture = folder.appendingPathComponent("out.png").path
        assertCleanFailure(try DriftProcess.run(["encode", "--model", model, "--image", big, "--out", out], in: folder),
                           mentions: ["is 12×12; the model takes 8×8 images"])
        assertCleanFailure(try DriftProcess.run(["encode", "--model", model, "--image", colour, "--out", out], in: folder),
                           mentions: ["is colour; the model takes grey images"])
        assertCleanFailure(try DriftProcess.run(["encode", "--model", model, "--image", a, "--sampler", "em-500", "--out", out], in: folder),
                           mentions: ["is stochastic", "ODE sampler"])
        assertCleanFailure(try DriftProcess.run(["encode", "--model", model, "--image", folder.appendingPathComponent("none.png").path,
                                                 "--out", out], in: folder), mentions: ["no such file"])
        assertCleanFailure(try DriftProcess.run(["edit", "--model", model, "--image", a, "--strength", "0", "--out", picture], in: folder),
                           mentions: ["is not in (0, 1]"])
        assertCleanFailure(try DriftProcess.run(["edit", "--model", model, "--image", a, "--strength", "1.5", "--out", picture], in: folder),
                           mentions: ["is not in (0, 1]"])
        assertCleanFailure(try DriftProcess.run(["interpolate", a, "--model", model, "--out", picture], in: folder),
                           mentions: ["exactly two images"])
        XCTAssertFalse(FileManager.default.fileExists(atPath: out))
        XCTAssertFalse(FileManager.default.fileExists(atPath: picture))
    }

    /// An image whose left half is dark (and right half light), and a mask that keeps the left half.
    func halves(in folder: URL) throws -> (image: String, mask: String) {
        var image = PixelImage(width: 8, height: 8, channels: 1), mask = PixelImage(width: 8, height: 8, channels: 1)
        for y in 0..<8 { for x in 0..<8 { image[x, y, 0] = x < 4 ? 51 : 191; mask[x, y, 0] = x < 4 ? 0 : 255 } }
        let (a, m) = (folder.appendingPathComponent("halves.png").path, folder.appendingPathComponent("mask.png").path)
        try image.writePNG(to: a)
        try mask.writePNG(to: m)
        return (a, m)
    }

    /// The kept half is dark, so under the mixture the filled-in half is dark too (the light
    /// component cannot produce a dark half); the kept pixels are the input's.
    func testInpaintingFillsTheMaskedHalfConsistentlyWithTheKeptHalf() throws {
        let folder = temporaryFolder()
        defer { try? FileManager.default.removeItem(at: folder) }
        let model = try mixture(in: folder)
        let (image, mask) = try halves(in: folder)
        let out = folder.appendingPathComponent("filled.png").path
        let run = try DriftProcess.run(["edit", "--mode", "inpaint", "--model", model, "--image", image, "--mask", mask,
                                        "--samples", "3", "--particles", "4", "--out", out], in: folder)
        XCTAssertEqual(run.status, 0, run.stderr)
        XCTAssertTrue(run.stdout.contains("inpainted 32 of 64 pixels"), run.stdout)
        let grid = try PixelImage.readPNG(out)
        // One row of 5 cells (input, kept pixels, 3 results), 8 px doubled to 16, with 2 px padding.
        XCTAssertGreaterThan(grid.width, grid.height * 4)
        let cell = grid.width / 5
        for result in 2..<5 {
            // Centre pixels of the left (kept) and right (filled) halves of each result, in the doubled grid.
            let left = Double(grid[result * cell + cell / 2 - 4, grid.height / 2, 0]), right = Double(grid[result * cell + cell / 2 + 4, grid.height / 2, 0])
            XCTAssertEqual(left, 51, accuracy: 2, "result \(result - 1): the kept half is the input's")
            XCTAssertLessThan(right, 100, "result \(result - 1): the filled half should be dark like the kept one, got \(right)")
        }
    }

    func testBadInpaintingInputsFailWithOneLineAndNoFiles() throws {
        let folder = temporaryFolder()
        defer { try? FileManager.default.removeItem(at: folder) }
        let model = try mixture(in: folder)
        let (image, mask) = try halves(in: folder)
        let big = try png(0, size: 12, in: folder, "big.png"), keepAll = try png(0, in: folder, "black.png")
        let picture = folder.appendingPathComponent("out.png").path
        let base = ["edit", "--mode", "inpaint", "--model", model, "--image", image, "--out", picture]
        for (extra, fragments) in [
            (["--mask", big], ["--mask", "is 12×12; the images are 8×8"]),
            (["--mask", folder.appendingPathComponent("none.png").path], ["--mask: no such file"]),
            ([], ["--mode inpaint needs --mask"]),
            (["--mask", mask, "--strength", "0.5"], ["--strength is for --mode sdedit"]),
            (["--mask", mask, "--particles", "4", "--repaint", "3"], ["not both"]),
            (["--mask", mask, "--particles", "0"], ["particles must be in 1…4096"]),
            (["--mask", mask, "--sampler", "dpmpp-2m-20"], ["ancestral preset"]),
            (["--mask", keepAll], ["nothing to fill in"]),
        ] {
            assertCleanFailure(try DriftProcess.run(base + extra, in: folder), mentions: fragments)
        }
        assertCleanFailure(try DriftProcess.run(["edit", "--model", model, "--image", image, "--mask", mask, "--out", picture], in: folder),
                           mentions: ["--mask is for --mode inpaint"])
        XCTAssertFalse(FileManager.default.fileExists(atPath: picture))
    }
}
