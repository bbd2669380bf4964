import Foundation
import XCTest

/// Sizes no machine can hold are refused before any work: one line naming the flag and the
/// memory it would need, a non-zero exit, nothing written.
final class MemoryLimitTests: XCTestCase {
    let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()

    func testAbsurdSampleCountsAndBatchesAreOneLineErrors() throws {
        let folder = temporaryFolder()
        defer { try? FileManager.default.removeItem(at: folder) }
        let out = folder.appendingPathComponent("x.h5").path
        let ring = root.appendingPathComponent("checkpoints/gmm-ring8.json").path
        let unet = root.appendingPathComponent("checkpoints/fashion-cfm-unet28.h5").path
        assertCleanFailure(try DriftProcess.run(["sample", "--model", ring, "--sampler", "euler-50", "--n", "1000000000000", "--out", out], in: root),
                           mentions: ["--n 1000000000000", "would need about 16 TB", "of this machine's"])
        assertCleanFailure(try DriftProcess.run(["sample", "--model", unet, "--sampler", "euler-50", "--n", "1000000", "--batch", "1000000",
                                                 "--out", out], in: root),
                           mentions: ["--batch 1000000", "[1×28×28] samples would need about", "TB", "use a smaller --batch"])
        XCTAssertEqual(try FileManager.default.contentsOfDirectory(atPath: folder.path).filter { $0.hasPrefix("x.") }, [])
    }

    func testAbsurdTrainingBatchesAndImageSizesAreOneLineErrorsAndLeaveNoFolder() throws {
        let folder = temporaryFolder()
        defer { try? FileManager.default.removeItem(at: folder) }
        let images = folder.appendingPathComponent("images")
        try FileManager.default.createDirectory(at: images, withIntermediateDirectories: true)
        try TestPNG.write(width: 8, height: 8, shade: 10, to: images.appendingPathComponent("a.png").path)
        let cases: [([String], [String])] = [
            (["--data", "toy:moons", "--model", "mlp2d", "--batch", "10000000000"], ["--batch 10000000000", "would need about", "TB"]),
            (["--data", "fashion-mnist", "--model", "unet28", "--batch", "100000000"], ["--batch 100000000", "1×28×28", "TB"]),
            (["--data", "folder:\(images.path)", "--model", "unet", "--image-size", "100000", "--batch", "1"],
             ["--batch 1", "3×100000×100000", "--image-size"]),
        ]
        for (i, (args, fragments)) in cases.enumerated() {
            let run = folder.appendingPathComponent("run\(i)")
            assertCleanFailure(try DriftProcess.run(["train"] + args + ["--steps", "1", "--out", run.path], in: root), mentions: fragments)
            XCTAssertFalse(FileManager.default.fileExists(atPath: run.path), "\(args) left \(run.path)")
        }
    }
}
