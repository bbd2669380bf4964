import XCTest
import Generative
import NN
import TensorCore
import Datasets
@testable import Training

/// The run folder: stop on request, resume, log, configuration strings.
final class TrainingRunTests: XCTestCase {
    var folder: URL!
    override func setUp() { folder = makeTemporaryFolder() }
    override func tearDown() { try? FileManager.default.removeItem(at: folder) }

    func testAStoppedAndResumedRunEndsExactlyWhereAStraightRunEnds() throws {
        var config = tinyConfig(steps: 30)
        config.logEvery = 5
        config.checkpointEvery = 10
        let straight = try TrainingRun.start(config, in: RunFolder(folder.appendingPathComponent("a").path))
        XCTAssertEqual(try straight.run(), .finished(step: 30))

        let dir = RunFolder(folder.appendingPathComponent("b").path)
        let first = try TrainingRun.start(config, in: dir)
        var calls = 0
        XCTAssertEqual(try first.run(shouldStop: { calls += 1; return calls > 13 }), .interrupted(step: 13))
        // The log may run ahead of a checkpoint after a crash: resume drops those lines.
        try (String(contentsOfFile: dir.log, encoding: .utf8) + "99,1,1,1,1\n").write(toFile: dir.log, atomically: true, encoding: .utf8)
        let second = try TrainingRun.resume(dir)
        XCTAssertEqual(second.trainer.step, 13)
        XCTAssertEqual(try second.run(), .finished(step: 30))

        let a = try Checkpoint.read(from: straight.folder.checkpoint), b = try Checkpoint.read(from: dir.checkpoint)
        XCTAssertTrue(bitwiseEqual(a.parameters, b.parameters))
        XCTAssertTrue(bitwiseEqual(a.ema, b.ema))
        let steps = try String(contentsOfFile: dir.log, encoding: .utf8).split(separator: "\n").dropFirst().map { Int($0.prefix { $0 != "," })! }
        XCTAssertEqual(steps, [5, 10, 13, 15, 20, 25, 30])
    }

    func testAFolderWithARunIsNotOverwritten() throws {
        let dir = RunFolder(folder.appendingPathComponent("run").path)
        _ = try TrainingRun.start(tinyConfig(steps: 2), in: dir).run()
        XCTAssertThrowsError(try TrainingRun.start(tinyConfig(steps: 2), in: dir)) {
            XCTAssertTrue("\($0)".contains("--resume"), "\($0)")
        }
        // Extending a finished run.
        let more = try TrainingRun.resume(dir, steps: 4)
        XCTAssertEqual(try more.run(), .finished(step: 4))
    }

    func testDataSpecsParseAndRoundTrip() throws {
        let specs = [try DataSpec.parse("fashion-mnist"), try DataSpec.parse("fashion-mnist:test"), try DataSpec.parse("toy:8gaussians"),
                     try DataSpec.parse("folder:/x/y", imageSize: 16, color: .gray),
                     try DataSpec.parse("gmm:" + URL(fileURLWithPath: #filePath).deletingLastPathComponent()
                                        .appendingPathComponent("../../checkpoints/gmm-ring8.json").standardized.path)]
        for spec in specs {
            XCTAssertEqual(try JSONDecoder().decode(DataSpec.self, from: try JSONEncoder().encode(spec)), spec)
        }
        XCTAssertEqual(specs[2].name, "toy:8gaussians")
        XCTAssertEqual(specs[3].sampleShape, [1, 16, 16])
        for bad in ["mnist", "toy:", "fashion-mnist:validation", "gmm:/no/such.json", "folder:"] {
            XCTAssertThrowsError(try DataSpec.parse(bad), bad)
        }
    }

    func testConfigValidationNamesTheFlag() {
        var c = tinyConfig()
        c.batchSize = 0
        XCTAssertThrowsError(try c.validate()) { XCTAssertTrue("\($0)".contains("--batch"), "\($0)") }
        c = tinyConfig()
        c.emaDecay = 1
        XCTAssertThrowsError(try c.validate()) { XCTAssertTrue("\($0)".contains("--ema"), "\($0)") }
        c = tinyConfig()
        c.flip = true
        XCTAssertThrowsError(try c.validate()) { XCTAssertTrue("\($0)".contains("--flip"), "\($0)") }
    }

    func testEMAWarmsUp() {
        XCTAssertEqual(Trainer.emaDecay(0.999, step: 0), 0.1)
        XCTAssertEqual(Trainer.emaDecay(0.999, step: 90), 0.91)
        XCTAssertEqual(Trainer.emaDecay(0.999, step: 100_000), 0.999)
    }
}
