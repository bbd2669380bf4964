import Foundation
import XCTest
import DriftIO
import Training

/// `drift train --classes`, `drift sample --class/--guidance` and `drift inspect` on a conditional toy model.
final class ConditionalCommandTests: XCTestCase {
    static let tiny = ["train", "--data", "toy:8gaussians", "--model", "mlp", "--width", "32", "--depth", "2",
                       "--batch", "64", "--threads", "1", "--steps", "40", "--log-every", "10"]

    func testAConditionalModelSamplesAClassAllClassesAndUnconditionally() throws {
        let folder = temporaryFolder()
        defer { try? FileManager.default.removeItem(at: folder) }
        let run = folder.appendingPathComponent("run"), checkpoint = run.appendingPathComponent("checkpoint.h5").path
        let train = try DriftProcess.run(Self.tiny + ["--classes", "8", "--label-dropout", "0.2", "--out", run.path], in: folder)
        XCTAssertEqual(train.status, 0, train.stderr)

        let inspect = try DriftProcess.run(["inspect", checkpoint], in: folder)
        XCTAssertTrue(inspect.stdout.contains("classes          8: 0 0deg, 1 45deg, 2 90deg"), inspect.stdout)
        XCTAssertTrue(inspect.stdout.contains("label dropout 0.2"), inspect.stdout)
        XCTAssertTrue(inspect.stdout.contains("/ema/class_emb.weight"), inspect.stdout)

        let one = folder.appendingPathComponent("one.h5").path
        let byName = try DriftProcess.run(["sample", "--model", checkpoint, "--class", "90deg", "--guidance", "2", "--n", "10", "--out", one], in: folder)
        XCTAssertEqual(byName.status, 0, byName.stderr)
        XCTAssertTrue(byName.stdout.contains("class 2 (90deg)"), byName.stdout)
        XCTAssertTrue(byName.stdout.contains("doubled batch"), byName.stdout)
        let reader = try HDF5Reader(path: one)
        XCTAssertEqual(try reader.read("/classes", as: Int64.self).values, [Int64](repeating: 2, count: 10))
        XCTAssertEqual(try reader.read("/samples", as: Float.self).shape, [10, 2])
        reader.close()

        let all = folder.appendingPathComponent("all.h5").path
        let every = try DriftProcess.run(["sample", "--model", checkpoint, "--class", "all", "--n", "3", "--out", all], in: folder)
        XCTAssertEqual(every.status, 0, every.stderr)
        let allReader = try HDF5Reader(path: all)
        XCTAssertEqual(try allReader.read("/classes", as: Int64.self).values, (0..<24).map { Int64($0 / 3) })
        allReader.close()

        let plain = try DriftProcess.run(["sample", "--model", checkpoint, "--n", "10", "--out", folder.appendingPathComponent("u.h5").path], in: folder)
        XCTAssertEqual(plain.status, 0, plain.stderr)
    }

    func testBadClassesAndGuidanceFailWithOneLineAndNoFiles() throws {
        let folder = temporaryFolder()
        defer { try? FileManager.default.removeItem(at: folder) }
        let conditional = folder.appendingPathComponent("c"), unconditional = folder.appendingPathComponent("u")
        let noDropout = folder.appendingPathComponent("d")
        XCTAssertEqual(try DriftProcess.run(Self.tiny + ["--classes", "auto", "--out", conditional.path], in: folder).status, 0)
        XCTAssertEqual(try DriftProcess.run(Self.tiny + ["--out", unconditional.path], in: folder).status, 0)
        XCTAssertEqual(try DriftProcess.run(Self.tiny + ["--classes", "auto", "--label-dropout", "0", "--out", noDropout.path], in: folder).status, 0)
        let c = conditional.appendingPathComponent("checkpoint.h5").path, out = folder.appendingPathComponent("s.h5").path
        func sample(_ model: String, _ args: [String]) throws -> DriftProcess.Output {
            try DriftProcess.run(["sample", "--model", model, "--n", "4", "--out", out] + args, in: folder)
        }
        assertCleanFailure(try sample(c, ["--class", "sneaker"]), mentions: ["'sneaker' is not a class", "0 0deg", "7 315deg"])
        assertCleanFailure(try sample(c, ["--class", "8"]), mentions: ["--class 8", "classes 0–7"])
        assertCleanFailure(try sample(c, ["--class", "1", "--guidance", "-1"]), mentions: ["--guidance must be a number ≥ 0"])
        assertCleanFailure(try sample(c, ["--guidance", "2"]), mentions: ["--guidance needs --class"])
        assertCleanFailure(try sample(unconditional.appendingPathComponent("checkpoint.h5").path, ["--class", "1"]),
                           mentions: ["is unconditional"])
        let d = noDropout.appendingPathComponent("checkpoint.h5").path
        assertCleanFailure(try sample(d, []), mentions: ["--label-dropout 0", "give --class"])
        assertCleanFailure(try sample(d, ["--class", "1", "--guidance", "1"]), mentions: ["no null class"])
        XCTAssertFalse(FileManager.default.fileExists(atPath: out))

        let flat = folder.appendingPathComponent("flat")
        try FileManager.default.createDirectory(at: flat, withIntermediateDirectories: true)
        try PixelImage(width: 8, height: 8, channels: 1).writePNG(to: flat.appendingPathComponent("a.png").path)
        let r = folder.appendingPathComponent("r").path
        assertCleanFailure(try DriftProcess.run(["train", "--data", "folder:" + flat.path, "--classes", "auto", "--out", r], in: folder),
                           mentions: ["has no labels"])
        assertCleanFailure(try DriftProcess.run(Self.tiny + ["--classes", "5", "--out", r], in: folder),
                           mentions: ["has 8 classes", "--classes 8"])
        assertCleanFailure(try DriftProcess.run(Self.tiny + ["--label-dropout", "1", "--out", r], in: folder),
                           mentions: ["--label-dropout must be in [0, 1)"])
        assertCleanFailure(try DriftProcess.run(Self.tiny + ["--classes", "many", "--out", r], in: folder),
                           mentions: ["--classes takes a positive class count or auto"])
        XCTAssertFalse(FileManager.default.fileExists(atPath: r))
    }
}
