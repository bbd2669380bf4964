import Foundation
import XCTest
import DriftIO
import TensorCore
import TensorIO

/// `drift sample`, run as a user would run it.
final class SampleCommandTests: XCTestCase {
    let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
    var ring: String { root.appendingPathComponent("checkpoints/gmm-ring8.json").path }

    func samples(_ file: URL) throws -> Tensor {
        let r = try HDF5Reader(path: file.path)
        defer { r.close() }
        return try r.readTensor("/samples")
    }

    func testQuickstartWritesSamplesAttributesAndPicture() throws {
        let folder = temporaryFolder()
        defer { try? FileManager.default.removeItem(at: folder) }
        let out = folder.appendingPathComponent("ring.h5")
        let run = try DriftProcess.run(["sample", "--model", ring, "--sampler", "heun-karras-18", "--n", "300", "--seed", "0",
                                        "--out", out.path], in: root)
        XCTAssertEqual(run.status, 0, run.stderr)
        XCTAssertTrue(run.stdout.contains("NFE 36"), run.stdout)
        let r = try HDF5Reader(path: out.path)
        defer { r.close() }
        XCTAssertEqual(try r.info("/samples").shape, [300, 2])
        XCTAssertEqual(try r.attribute("nfe"), .int64(36))
        XCTAssertEqual(try r.attribute("seed"), .int64(0))
        guard case .string(let sampler) = try r.attribute("sampler") else { return XCTFail("sampler attribute") }
        XCTAssertTrue(sampler.contains("\"solver\":\"heun\"") && sampler.contains("\"name\":\"heun-karras-18\""), sampler)
        XCTAssertTrue(FileManager.default.fileExists(atPath: folder.appendingPathComponent("ring.png").path))
    }

    func testDefaultSamplerAndAPictureOnlyOutput() throws {
        let folder = temporaryFolder()
        defer { try? FileManager.default.removeItem(at: folder) }
        let grid = folder.appendingPathComponent("grid.png")
        let run = try DriftProcess.run(["sample", "--model", ring, "--n", "200", "--out", grid.path], in: root)
        XCTAssertEqual(run.status, 0, run.stderr)
        XCTAssertTrue(run.stdout.contains("dpmpp-2m-20 (ODE, NFE 20)"), run.stdout)
        XCTAssertEqual(try FileManager.default.contentsOfDirectory(atPath: folder.path), ["grid.png"], "the picture alone, no HDF5")
        let png = try Data(contentsOf: grid)
        XCTAssertEqual(Array(png.prefix(4)), [0x89, 0x50, 0x4E, 0x47])
        let sixteen = root.appendingPathComponent("checkpoints/gmm-16d.json").path
        assertCleanFailure(try DriftProcess.run(["sample", "--model", sixteen, "--n", "10", "--out", folder.appendingPathComponent("x.png").path], in: root),
                           mentions: ["have no picture"])
        XCTAssertFalse(FileManager.default.fileExists(atPath: folder.appendingPathComponent("x.png").path))
    }

    func testBatchThreadsAndInitNoise() throws {
        let folder = temporaryFolder()
        defer { try? FileManager.default.removeItem(at: folder) }
        let args = ["sample", "--model", ring, "--sampler", "ancestral-100", "--steps", "20", "--n", "50", "--seed", "3", "--png", "none"]
        let whole = folder.appendingPathComponent("whole.h5"), split = folder.appendingPathComponent("split.h5")
        XCTAssertEqual(try DriftProcess.run(args + ["--out", whole.path], in: root).status, 0)
        XCTAssertEqual(try DriftProcess.run(args + ["--out", split.path, "--batch", "7", "--threads", "1"], in: root).status, 0)
        XCTAssertEqual(try samples(whole).scalars, try samples(split).scalars)
        // The same --init-noise gives the same ODE samples whatever the seed; a wrong shape is refused.
        let noise = folder.appendingPathComponent("noise.h5")
        try HDF5Writer.write(to: noise.path) { try $0.write(Tensor.randomNormal([50, 2], key: RandomKey(seed: 9)), to: "/noise") }
        let ode = ["sample", "--model", ring, "--sampler", "dpmpp-2m-20", "--n", "50", "--init-noise", noise.path, "--png", "none"]
        let a = folder.appendingPathComponent("a.h5"), b = folder.appendingPathComponent("b.h5")
        XCTAssertEqual(try DriftProcess.run(ode + ["--seed", "1", "--out", a.path], in: root).status, 0)
        XCTAssertEqual(try DriftProcess.run(ode + ["--seed", "2", "--out", b.path], in: root).status, 0)
        XCTAssertEqual(try samples(a).scalars, try samples(b).scalars)
        let bad = try DriftProcess.run(["sample", "--model", ring, "--sampler", "euler-50", "--n", "40", "--init-noise", noise.path,
                                        "--out", folder.appendingPathComponent("bad.h5").path], in: root)
        assertCleanFailure(bad, mentions: ["/noise has shape [50, 2], expected [40, 2]"])
    }

    func testBadInputFailsWithOneLineAndNoOutput() throws {
        let folder = temporaryFolder()
        defer { try? FileManager.default.removeItem(at: folder) }
        let out = folder.appendingPathComponent("x.h5").path
        let base = ["sample", "--n", "10", "--out", out]
        let cases: [([String], [String])] = [
            (["--model", ring, "--sampler", "heun-karras-81"], ["unknown sampler 'heun-karras-81'", "heun-karras-18", "dopri5"]),
            (["--model", ring, "--sampler", "heun-karras-18", "--steps", "-3"], ["'steps' must be at least 1, got -3"]),
            (["--model", ring, "--sampler", "heun-karras-18", "--t-start", "5"], ["tStart = 5.0 is outside"]),
            (["--model", ring, "--sampler", "heun-karras-18", "--eta", "0.5"], ["'eta' does not apply to solver 'heun'"]),
            (["--model", folder.appendingPathComponent("none.json").path, "--sampler", "euler-50"], ["no such file"]),
            (["--model", ring, "--sampler", folder.appendingPathComponent("missing.json").path], ["does not exist"]),
        ]
        for (args, fragments) in cases {
            let run = try DriftProcess.run(base + args, in: root)
            assertCleanFailure(run, mentions: fragments)
        }
        let invalid = folder.appendingPathComponent("invalid.json")
        try Data(#"{"solver": "heun", "steps": 10, "colour": 1}"#.utf8).write(to: invalid)
        assertCleanFailure(try DriftProcess.run(base + ["--model", ring, "--sampler", invalid.path], in: root),
                           mentions: ["invalid.json", "unknown field 'colour'"])
        XCTAssertEqual(try FileManager.default.contentsOfDirectory(atPath: folder.path).filter { $0.hasPrefix("x.") }, [])
    }
}
