import XCTest
import DriftIO
import Generative
import NN
import TensorCore
import Datasets
import TensorIO
@testable import Training

/// The checkpoint file: what it holds, and one clear error for every way it can be wrong.
final class CheckpointTests: XCTestCase {
    var folder: URL!
    override func setUp() { folder = makeTemporaryFolder() }
    override func tearDown() { try? FileManager.default.removeItem(at: folder) }

    func file(_ name: String) -> String { folder.appendingPathComponent(name).path }

    func trainedCheckpoint(_ objective: ObjectiveConfig = ObjectiveConfig(kind: .cfm), steps: Int = 3) throws -> Checkpoint {
        let config = tinyConfig(objective: objective, steps: steps)
        let trainer = try Trainer(config: config, source: try config.data.makeSource())
        while !trainer.isFinished { try trainer.trainStep() }
        return trainer.checkpoint()
    }

    /// The error message of `body`, which must throw.
    func message(_ body: () throws -> Void, file: StaticString = #filePath, line: UInt = #line) -> String {
        do { try body() } catch { return "\(error)" }
        XCTFail("expected an error", file: file, line: line)
        return ""
    }

    func testRoundTripKeepsEverythingAndRecordsTheParametrization() throws {
        for (objective, parametrization) in [(ObjectiveConfig(kind: .cfm), "velocity"), (ObjectiveConfig(kind: .dsm), "epsilon"),
                                             (ObjectiveConfig(kind: .edm), "x0")] {
            let c = try trainedCheckpoint(objective)
            try c.write(to: file("c.h5"))
            let r = try Checkpoint.read(from: file("c.h5"))
            XCTAssertEqual(r.training, c.training)
            XCTAssertEqual(r.step, c.step)
            XCTAssertEqual(r.dataPosition, c.dataPosition)
            XCTAssertEqual(r.rootKey, c.rootKey)
            XCTAssertTrue(bitwiseEqual(r.parameters, c.parameters))
            XCTAssertTrue(bitwiseEqual(r.ema, c.ema))
            XCTAssertTrue(bitwiseEqual(r.optimizer!.flattened, c.optimizer!.flattened))
            let reader = try HDF5Reader(path: file("c.h5"))
            XCTAssertEqual(try reader.string("format"), "drift-checkpoint")
            XCTAssertEqual(try reader.int64("format_version"), 1)
            XCTAssertEqual(try reader.string("parametrization"), parametrization)
            XCTAssertEqual(reader.contains("/rng/key") && reader.contains("/optimizer/m/out.weight"), true)
            XCTAssertEqual(try reader.attributeNames().contains("preconditioning"), objective.kind == .edm)
        }
    }

    func testAnEMAOnlyExportSamplesLikeTheFullFileButCannotBeResumed() throws {
        let c = try trainedCheckpoint()
        try c.write(to: file("full.h5"))
        try c.emaOnly.write(to: file("export.h5"))
        let r = try Checkpoint.read(from: file("export.h5"))
        XCTAssertTrue(r.isEMAOnly)
        XCTAssertNil(r.optimizer)
        XCTAssertEqual(r.training, c.training)
        XCTAssertEqual(r.step, c.step)
        XCTAssertTrue(bitwiseEqual(r.ema, c.ema))
        XCTAssertTrue(bitwiseEqual(r.parameters, c.ema), "an export's parameters are its EMA weights")
        let reader = try HDF5Reader(path: file("export.h5"))
        XCTAssertEqual(try reader.string("contents"), "ema")
        XCTAssertFalse(reader.contains("/parameters"))
        XCTAssertFalse(reader.contains("/optimizer"))
        reader.close()
        let size = { (name: String) in try FileManager.default.attributesOfItem(atPath: self.file(name))[.size] as! Int }
        XCTAssertLessThan(try size("export.h5"), try size("full.h5") / 2, "Adam's run state is four copies of the weights")

        let x = Tensor((0..<10).map { Float($0) / 7 - 0.6 }, shape: [5, 2])
        let fromFull = try TrainedModel.load(file("full.h5")).evaluate(x, t: 0.4)
        let fromExport = try TrainedModel.load(file("export.h5")).evaluate(x, t: 0.4)
        XCTAssertEqual(fromFull.scalars, fromExport.scalars, "both sample with the same EMA weights")

        let run = folder.appendingPathComponent("run")
        try FileManager.default.createDirectory(at: run, withIntermediateDirectories: true)
        try c.emaOnly.write(to: run.appendingPathComponent("checkpoint.h5").path)
        XCTAssertTrue(message { _ = try TrainingRun.resume(RunFolder(run.path)) }.contains("holds EMA weights only"))
    }

    func testSamplingReadsNeedNoOptimizerState() throws {
        var c = try trainedCheckpoint()
        c.optimizer = nil
        try c.write(to: file("weights.h5"))
        let model = try TrainedModel.load(file("weights.h5"))
        XCTAssertEqual(model.sampleShape, [2])
        XCTAssertTrue(message { _ = try Checkpoint.read(from: file("weights.h5")) }.contains("/optimizer/step is missing"))
    }

    func testAFileWithoutTheFormatIsNotACheckpoint() throws {
        try HDF5Writer.write(to: file("other.h5")) { w in try w.write(Tensor.zeros([3]), to: "/x") }
        XCTAssertTrue(message { _ = try Checkpoint.read(from: file("other.h5")) }.contains("not a Drift checkpoint"))
        try HDF5Writer.write(to: file("other2.h5")) { w in try w.setAttribute("format", .string("something-else")) }
        XCTAssertTrue(message { _ = try Checkpoint.read(from: file("other2.h5")) }.contains("format is 'something-else'"))
    }

    func testANewerFormatVersionAsksForAnUpdate() throws {
        try trainedCheckpoint().write(to: file("c.h5"))
        try rewrite("c.h5", to: "newer.h5") { name, _ in name == "format_version" ? .int64(2) : nil }
        XCTAssertTrue(message { _ = try Checkpoint.read(from: file("newer.h5")) }.contains("newer Drift (format version 2)"))
    }

    func testShapesAreCheckedAgainstTheConfiguration() throws {
        // Weights of a width-16 network under a width-32 configuration.
        var c = try trainedCheckpoint()
        let small = try MLP(MLPConfig(inputDimension: 2, width: 16, depth: 2, timeEmbeddingDimension: 16), key: RandomKey(seed: 1))
        c.parameters = small.parameterSnapshot()
        c.ema = c.parameters
        c.optimizer = OptimizerState()
        try c.write(to: file("mismatch.h5"))
        let m = message { _ = try Checkpoint.read(from: file("mismatch.h5")) }
        XCTAssertTrue(m.contains("has shape [16") && m.contains("expects [32"), m)
        // A missing tensor and an extra one.
        var missing = try trainedCheckpoint()
        missing.ema.removeValue(forKey: "out.bias")
        try missing.write(to: file("missing.h5"))
        XCTAssertTrue(message { _ = try Checkpoint.read(from: file("missing.h5")) }.contains("/ema/out.bias is missing"))
        var extra = try trainedCheckpoint()
        extra.parameters["stray.weight"] = Tensor.zeros([2])
        try extra.write(to: file("extra.h5"))
        XCTAssertTrue(message { _ = try Checkpoint.read(from: file("extra.h5")) }.contains("/parameters/stray.weight is not a parameter"))
    }

    func testInconsistentAttributesAreRejected() throws {
        try trainedCheckpoint().write(to: file("c.h5"))
        try rewrite("c.h5", to: "p.h5") { name, _ in name == "parametrization" ? .string("epsilon") : nil }
        XCTAssertTrue(message { _ = try Checkpoint.read(from: file("p.h5")) }.contains("does not match objective cfm"))
        try rewrite("c.h5", to: "m.h5") { name, _ in name == "model" ? .string("{\"architecture\":\"mlp\"}") : nil }
        XCTAssertTrue(message { _ = try Checkpoint.read(from: file("m.h5")) }.contains("'model' attribute is not valid"))
    }

    func testDamagedBytesAreReportedNotCrashed() throws {
        try trainedCheckpoint().write(to: file("c.h5"))
        let good = try Data(contentsOf: URL(fileURLWithPath: file("c.h5")))
        for (i, offset) in stride(from: 64, to: good.count, by: max(1, good.count / 40)).enumerated() {
            var bad = good
            bad[offset] ^= 0x5A
            try bad.write(to: URL(fileURLWithPath: file("bad\(i).h5")))
            XCTAssertThrowsError(try Checkpoint.read(from: file("bad\(i).h5")), "flip at byte \(offset) went unnoticed")
        }
        for fraction in [0.1, 0.5, 0.9] {
            try good.prefix(Int(Double(good.count) * fraction)).write(to: URL(fileURLWithPath: file("cut.h5")))
            XCTAssertThrowsError(try Checkpoint.read(from: file("cut.h5")))
        }
    }

    /// Copies checkpoint `source` to `target`, replacing root attributes where `change` returns a value.
    func rewrite(_ source: String, to target: String, _ change: (String, HDF5AttributeValue) -> HDF5AttributeValue?) throws {
        let r = try HDF5Reader(path: file(source))
        try HDF5Writer.write(to: file(target)) { w in
            for name in try r.attributeNames() {
                let v = try r.attribute(name)
                try w.setAttribute(name, change(name, v) ?? v)
            }
            for d in try r.datasets() {
                let info = try r.info(d)
                if info.dataType == .int64 {
                    let a = try r.read(d, as: Int64.self)
                    try w.write(a.values, shape: a.shape, to: d)
                } else {
                    try w.write(try r.readTensor(d), to: d)
                }
            }
        }
    }
}
