import Foundation
import XCTest
import DriftIO
@testable import DriftCLI

/// PNGs of `drift sample` that draw themselves again (`--like`), single images (`--out DIR/`) that
/// the editing commands take, and `drift inspect` of specs and PNGs.
final class SampleRegenerationTests: XCTestCase {
    let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()

    /// Three classes of 8×8 grey "images" (Gaussian blobs around a dark, a mid and a light square), rectified path.
    func blobs(in folder: URL, name: String = "blobs.json", std: Double = 0.1) throws -> String {
        let means = [-0.6, 0.0, 0.5].map { [Double](repeating: $0, count: 64) }
        let stds = [[Double]](repeating: [Double](repeating: std, count: 64), count: 3)
        let spec = """
            {"weights": [0.3, 0.3, 0.4], "means": \(means), "stds": \(stds),
             "path": "rectified", "parametrization": "velocity", "shape": [1, 8, 8]}
            """
        let file = folder.appendingPathComponent(name)
        try spec.write(to: file, atomically: true, encoding: .utf8)
        return file.path
    }

    /// The value of the row `name` of a `drift inspect` table.
    func row(_ table: String, _ name: String) -> String? {
        table.split(separator: "\n").first { $0.hasPrefix(name + "  ") }.map { $0.dropFirst(name.count).trimmingCharacters(in: .whitespaces) }
    }

    func recipe(_ png: String) throws -> SampleRecipe {
        let text = try XCTUnwrap(try PNG.read(png).text(SampleRecipe.key), "no drift.sample chunk in \(png)")
        return try JSONDecoder().decode(SampleRecipe.self, from: Data(text.utf8))
    }

    func testAPictureWithOverridesIsDrawnAgainBitForBit() throws {
        let folder = temporaryFolder()
        defer { try? FileManager.default.removeItem(at: folder) }
        let model = try blobs(in: folder)
        let first = folder.appendingPathComponent("a.png").path
        let run = try DriftProcess.run(["sample", "--model", model, "--sampler", "heun-karras-18", "--steps", "7", "--seed", "3",
                                        "--class", "2", "--guidance", "1", "--n", "6", "--out", first], in: folder)
        XCTAssertEqual(run.status, 0, run.stderr)
        let r = try recipe(first)
        XCTAssertEqual(r.version, DriftVersion.current)
        XCTAssertEqual(r.model, model)
        XCTAssertEqual(r.modelSHA256, try SHA256.hex(ofFile: model))
        XCTAssertEqual(r.sampler, "heun-karras-18")
        XCTAssertEqual(r.preset["steps"], .number(7), "the preset after --steps")
        XCTAssertEqual(r.preset["grid"], .string("karras"))
        XCTAssertEqual([r.n, r.batch], [6, 6])
        XCTAssertEqual(r.seed, 3)
        XCTAssertEqual(r.class, "2")
        XCTAssertEqual(r.guidance, 1)
        XCTAssertNil(r.index)

        let again = folder.appendingPathComponent("b.png").path
        let redraw = try DriftProcess.run(["sample", "--like", first, "--out", again, "--threads", "1"], in: folder)
        XCTAssertEqual(redraw.status, 0, redraw.stderr)
        XCTAssertTrue(redraw.stdout.contains("redrew"), redraw.stdout)
        XCTAssertEqual(try PixelImage.readPNG(again), try PixelImage.readPNG(first))
        XCTAssertEqual(try Data(contentsOf: URL(fileURLWithPath: again)), try Data(contentsOf: URL(fileURLWithPath: first)),
                       "the same pixels and the same recipe: the same file")

        // The same model file at another path, named by --model: the same pixels, the new path recorded.
        let moved = folder.appendingPathComponent("elsewhere.json").path
        try FileManager.default.copyItem(atPath: model, toPath: moved)
        let third = folder.appendingPathComponent("c.png").path
        let fromCopy = try DriftProcess.run(["sample", "--like", first, "--model", moved, "--out", third], in: folder)
        XCTAssertEqual(fromCopy.status, 0, fromCopy.stderr)
        XCTAssertEqual(try PixelImage.readPNG(third), try PixelImage.readPNG(first))
        XCTAssertEqual(try recipe(third).model, moved)
    }

    /// A grid of an adaptive sampler (steps follow each batch's error): --like draws only the batches the grid shows.
    func testAGridOfAnAdaptiveSamplerIsDrawnAgainFromTheBatchesItShows() throws {
        let folder = temporaryFolder()
        defer { try? FileManager.default.removeItem(at: folder) }
        let model = try blobs(in: folder)
        let grid = folder.appendingPathComponent("grid.png").path, again = folder.appendingPathComponent("again.png").path
        let run = try DriftProcess.run(["sample", "--model", model, "--sampler", "dopri5", "--rtol", "1e-3", "--n", "70", "--batch", "16",
                                        "--seed", "9", "--out", grid], in: folder)
        XCTAssertEqual(run.status, 0, run.stderr)
        let redraw = try DriftProcess.run(["sample", "--like", grid, "--out", again], in: folder)
        XCTAssertEqual(redraw.status, 0, redraw.stderr)
        XCTAssertTrue(redraw.stdout.contains("sampled 64 of 70"), redraw.stdout)
        XCTAssertEqual(try PixelImage.readPNG(again), try PixelImage.readPNG(grid))
    }

    func testSingleImagesAreTheModelsSizeRoundTripThroughEncodeAndDrawAgain() throws {
        let folder = temporaryFolder()
        defer { try? FileManager.default.removeItem(at: folder) }
        let model = try blobs(in: folder)
        let images = folder.appendingPathComponent("images")
        let run = try DriftProcess.run(["sample", "--model", model, "--n", "4", "--seed", "1", "--out", images.path + "/"], in: folder)
        XCTAssertEqual(run.status, 0, run.stderr)
        let names = try FileManager.default.contentsOfDirectory(atPath: images.path).sorted()
        XCTAssertEqual(names, ["sample-0000.png", "sample-0001.png", "sample-0002.png", "sample-0003.png"])
        for (i, name) in names.enumerated() {
            let path = images.appendingPathComponent(name).path
            let image = try PixelImage.readPNG(path)
            XCTAssertEqual([image.width, image.height, image.channels], [8, 8, 1])
            let r = try recipe(path)
            XCTAssertEqual(r.index, i)
            XCTAssertEqual(r.n, 4)
        }

        // The same samples as the grid of the same run (8-pixel images drawn 2× there, 2 px apart).
        let grid = folder.appendingPathComponent("grid.png").path
        XCTAssertEqual(try DriftProcess.run(["sample", "--model", model, "--n", "4", "--seed", "1", "--out", grid], in: folder).status, 0)
        let picture = try PixelImage.readPNG(grid), third = try PixelImage.readPNG(images.appendingPathComponent(names[2]).path)
        for y in 0..<8 { for x in 0..<8 { XCTAssertEqual(picture[2 + 2 * (8 * 2 + 2) + 2 * x, 2 + 2 * y, 0], third[x, y, 0]) } }

        let noise = folder.appendingPathComponent("noise.h5").path
        let encode = try DriftProcess.run(["encode", "--model", model, "--image", images.appendingPathComponent(names[2]).path,
                                           "--out", noise], in: folder)
        XCTAssertEqual(encode.status, 0, encode.stderr)
        let edit = try DriftProcess.run(["edit", "--model", model, "--image", images.appendingPathComponent(names[0]).path, "--strength", "0.5",
                                         "--out", folder.appendingPathComponent("edit.png").path], in: folder)
        XCTAssertEqual(edit.status, 0, edit.stderr)

        let again = folder.appendingPathComponent("again.png").path
        let redraw = try DriftProcess.run(["sample", "--like", images.appendingPathComponent(names[2]).path, "--out", again], in: folder)
        XCTAssertEqual(redraw.status, 0, redraw.stderr)
        XCTAssertEqual(try PixelImage.readPNG(again), third)

        let ring = root.appendingPathComponent("checkpoints/gmm-ring8.json").path
        let points = folder.appendingPathComponent("points")
        assertCleanFailure(try DriftProcess.run(["sample", "--model", ring, "--n", "4", "--out", points.path + "/"], in: folder),
                           mentions: ["are not images"])
        XCTAssertFalse(FileManager.default.fileExists(atPath: points.path))
    }

    func testATamperedModelAPlainPNGOrAnotherSettingIsOneLineAndWritesNothing() throws {
        let folder = temporaryFolder()
        defer { try? FileManager.default.removeItem(at: folder) }
        let model = try blobs(in: folder)
        let first = folder.appendingPathComponent("a.png").path, out = folder.appendingPathComponent("b.png").path
        XCTAssertEqual(try DriftProcess.run(["sample", "--model", model, "--n", "2", "--out", first], in: folder).status, 0)
        func like(_ args: [String]) throws -> DriftProcess.Output {
            try DriftProcess.run(["sample", "--like", first, "--out", out] + args, in: folder)
        }
        assertCleanFailure(try like(["--seed", "4"]), mentions: ["drop --seed"])
        assertCleanFailure(try like(["--steps", "4"]), mentions: ["drop --steps"])
        assertCleanFailure(try DriftProcess.run(["sample", "--like", first, "--out", folder.appendingPathComponent("b.h5").path], in: folder),
                           mentions: ["--out FILE.png"])
        let plain = folder.appendingPathComponent("plain.png").path
        try TestPNG.write(width: 8, height: 8, shade: 10, to: plain)
        assertCleanFailure(try DriftProcess.run(["sample", "--like", plain, "--out", out], in: folder), mentions: ["no Drift metadata"])
        let other = try blobs(in: folder, name: "other.json", std: 0.2)
        assertCleanFailure(try like(["--model", other]), mentions: ["is not the file that drew it", "SHA-256"])
        // The model file changed in place (even a byte that does not change the mixture), then gone.
        try (String(contentsOfFile: model, encoding: .utf8) + " ").write(toFile: model, atomically: true, encoding: .utf8)
        assertCleanFailure(try like([]), mentions: ["is not the file that drew it"])
        try FileManager.default.removeItem(atPath: model)
        assertCleanFailure(try like([]), mentions: ["which is not here", "--model"])
        XCTAssertFalse(FileManager.default.fileExists(atPath: out))
        XCTAssertEqual(try FileManager.default.contentsOfDirectory(atPath: folder.path).filter { $0.hasPrefix("b.") }, [])
    }

    func testInspectReadsMixtureSpecsAndSamplePNGs() throws {
        let folder = temporaryFolder()
        defer { try? FileManager.default.removeItem(at: folder) }
        let ring = root.appendingPathComponent("checkpoints/gmm-ring8.json").path
        let spec = try DriftProcess.run(["inspect", ring], in: folder)
        XCTAssertEqual(spec.status, 0, spec.stderr)
        XCTAssertEqual(row(spec.stdout, "name"), "ring8")
        XCTAssertEqual(row(spec.stdout, "sha256"), try SHA256.hex(ofFile: ring))
        XCTAssertEqual(row(spec.stdout, "path"), "{\"kind\":\"rectified\"}")
        XCTAssertEqual(row(spec.stdout, "parametrization"), "velocity")
        XCTAssertTrue(row(spec.stdout, "components")?.hasPrefix("8, diagonal") ?? false, spec.stdout)
        XCTAssertTrue(spec.stdout.contains("weight 0.125  mean [2, 0]  std [0.15, 0.15]"), spec.stdout)
        let model = try blobs(in: folder)
        let picture = folder.appendingPathComponent("a.png").path
        XCTAssertEqual(try DriftProcess.run(["sample", "--model", model, "--class", "1", "--n", "2", "--seed", "5", "--out", picture], in: folder).status, 0)
        let png = try DriftProcess.run(["inspect", picture], in: folder)
        XCTAssertEqual(png.status, 0, png.stderr)
        XCTAssertEqual(row(png.stdout, "drawn by"), "drift sample, Drift \(DriftVersion.current)")
        XCTAssertEqual(row(png.stdout, "model sha256"), "\(try SHA256.hex(ofFile: model)) (the file here matches)")
        XCTAssertEqual(row(png.stdout, "sampler"), "dpmpp-2m-20")
        XCTAssertEqual(row(png.stdout, "seed"), "5")
        XCTAssertEqual(row(png.stdout, "class"), "1")
        XCTAssertTrue(row(png.stdout, "draw it again")?.hasPrefix("drift sample --like \(picture) --out") ?? false, png.stdout)
        let blobsSpec = try DriftProcess.run(["inspect", model], in: folder)
        XCTAssertTrue(blobsSpec.stdout.contains("mean [-0.6, -0.6, -0.6, …] (64 values in [-0.6, -0.6])"), blobsSpec.stdout)
        let plain = folder.appendingPathComponent("plain.png").path
        try TestPNG.write(width: 4, height: 4, shade: 0, to: plain)
        let other = try DriftProcess.run(["inspect", plain], in: folder)
        XCTAssertEqual(other.status, 0, other.stderr)
        XCTAssertTrue(other.stdout.contains("no Drift metadata"), other.stdout)
        assertCleanFailure(try DriftProcess.run(["inspect", folder.appendingPathComponent("none.json").path], in: folder), mentions: ["no such file"])
    }

    func testSHA256MatchesTheStandardVectorsAndSha256sum() throws {
        XCTAssertEqual(SHA256.hex(of: [UInt8]()), "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855")
        XCTAssertEqual(SHA256.hex(of: Array("abc".utf8)), "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad")
        XCTAssertEqual(SHA256.hex(of: Array("abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq".utf8)),
                       "248d6a61d20638b8e5c026930c3e6039a33ce45964ff2167f6ecedd419db06c1")
        XCTAssertEqual(SHA256.hex(of: [UInt8](repeating: UInt8(ascii: "a"), count: 1_000_000)),
                       "cdc76e5c9914fb9281a1c7e284d73e67f1809a48a497200e046d39ccc7112cd0")
        // A file over several reads, against coreutils.
        let folder = temporaryFolder()
        defer { try? FileManager.default.removeItem(at: folder) }
        let file = folder.appendingPathComponent("bytes.bin")
        var generator = SystemRandomNumberGenerator()
        try Data((0..<(3 << 20) + 17).map { _ in UInt8.random(in: 0...255, using: &generator) }).write(to: file)
        let ours = try SHA256.hex(ofFile: file.path)
        guard FileManager.default.isExecutableFile(atPath: "/usr/bin/sha256sum") else { return }
        let p = Process()
        p.executableURL = URL(fileURLWithPath: "/usr/bin/sha256sum")
        p.arguments = [file.path]
        let pipe = Pipe()
        p.standardOutput = pipe
        try p.run()
        let output = String(decoding: pipe.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
        p.waitUntilExit()
        XCTAssertEqual(String(output.prefix(64)), ours)
    }

    /// The shared option groups: one check, one message, in every command that has the flag.
    func testSharedOptionsCheckTheSameWayEverywhere() {
        let commands: [[String]] = [
            ["sample", "--model", "m.json", "--n", "1", "--out", "s.h5"], ["compare", "--model", "m.json"],
            ["encode", "--model", "m.json", "--image", "a.png", "--out", "n.h5"], ["edit", "--model", "m.json", "--image", "a.png", "--out", "e.png"],
            ["interpolate", "a.png", "b.png", "--model", "m.json", "--out", "i.png"], ["likelihood", "--model", "m.json", "--data", "toy:moons"],
            ["train", "--data", "toy:moons", "--out", "r"], ["train-classifier", "--out", "c.h5"],
        ]
        let seeded: Set = ["sample", "compare", "edit", "likelihood", "train", "train-classifier"]
        for args in commands {
            XCTAssertNil(DocumentedCommandsTests.problem(args), args.joined(separator: " "))
            XCTAssertEqual(DocumentedCommandsTests.problem(args + ["--threads", "0"]), "--threads must be ≥ 1, got 0", args[0])
            XCTAssertEqual(DocumentedCommandsTests.problem(args + ["--seed", "7"]) == nil, seeded.contains(args[0]), args[0])
        }
        for args in commands where ["sample", "encode", "edit", "interpolate"].contains(args[0]) {
            XCTAssertEqual(DocumentedCommandsTests.problem(args + ["--guidance", "1"]),
                           "--guidance needs --class (guidance pushes samples toward a class) or --guide (autoguidance)")
            XCTAssertEqual(DocumentedCommandsTests.problem(args + ["--guide", "g.json"]), "--guide g.json needs --guidance W > 0 (the autoguidance weight)")
            XCTAssertEqual(DocumentedCommandsTests.problem(args + ["--class", "1", "--guidance-interval", "0.3,5"]),
                           "--guidance-interval needs --guidance W > 0 (it says where guidance applies)")
            XCTAssertNil(DocumentedCommandsTests.problem(args + ["--guidance", "1", "--guide", "g.json", "--guidance-interval", "0.3,5"]))
            let grid = DocumentedCommandsTests.problem(args + ["--grid", "cubic"]) ?? ""
            XCTAssertTrue(grid.contains("'cubic'") && grid.contains("karras") && !grid.contains("\n"), grid)
            XCTAssertNil(DocumentedCommandsTests.problem(args + ["--steps", "9", "--final-step", "denoise", "--rtol", "1e-4"]))
        }
        let train = ["train", "--data", "toy:moons", "--out", "r", "--path"]
        XCTAssertNil(DocumentedCommandsTests.problem(train + ["VP"]))
        XCTAssertEqual(DocumentedCommandsTests.problem(train + ["vpp"]),
                       "The value 'vpp' is invalid for '--path <path>': unknown path 'vpp': use one of rectified, vp, subvp, ve, edm, cosine")
        let help = SampleCommand.helpMessage(columns: 200)
        XCTAssertTrue(help.contains("(values: uniform, karras, logsnr, quadratic)") && help.contains("(values: none, zero, denoise)"), help)
    }
}
