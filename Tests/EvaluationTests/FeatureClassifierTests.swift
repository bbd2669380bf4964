import XCTest
import Foundation
import DriftIO
import TensorCore
import Datasets
import TensorIO
@testable import Evaluation

final class FeatureClassifierTests: XCTestCase {
    let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()

    func testShapesKeysAndCheckpointRoundTrip() throws {
        let model = FeatureClassifier(key: RandomKey(seed: 1))
        XCTAssertEqual(model.parameterKeys.first, "conv1.weight")
        XCTAssertEqual(model.parameterKeys.last, "head.bias")
        let x = Tensor.randomUniform([3, 1, 28, 28], key: RandomKey(seed: 2)) * 2 - 1
        XCTAssertEqual(model.features(x).shape, [3, 128])
        XCTAssertEqual(model.logits(x).shape, [3, 10])
        // Cross-entropy of uniform logits is log 10; the model's is finite and positive.
        XCTAssertGreaterThan(model.crossEntropy(x, labels: [0, 1, 2]).item, 0)
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("clf-\(getpid())-\(UInt32.random(in: 0...UInt32.max))")
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: folder) }
        let file = folder.appendingPathComponent("c.h5").path
        try ClassifierCheckpoint(model: model, testAccuracy: 0.5, training: "{}").write(to: file)
        let back = try ClassifierCheckpoint.read(from: file)
        XCTAssertEqual(back.testAccuracy, 0.5)
        XCTAssertEqual(back.model.logits(x).scalars, model.logits(x).scalars)
        try HDF5Writer.write(to: folder.appendingPathComponent("other.h5").path) { try $0.write(Tensor.zeros([2]), to: "/x") }
        XCTAssertThrowsError(try ClassifierCheckpoint.read(from: folder.appendingPathComponent("other.h5").path)) {
            XCTAssertTrue("\($0)".contains("not a Drift classifier"), "\($0)")
        }
    }

    func testTrainingLowersTheLossOnASmallSet() throws {
        let data: ExampleSet
        do { data = try ExampleSet.fashionMNIST(.train).prefix(1024) } catch { throw XCTSkip("Fashion-MNIST is not installed") }
        var losses = [Double]()
        _ = try ClassifierTraining(epochs: 2, batch: 64, learningRate: 2e-3, seed: 3).train(on: data) { _, _, l in losses.append(l) }
        print("classifier on 1024 images: loss \(losses.first!) → \(losses.last!)")
        XCTAssertLessThan(losses.last!, 0.6 * losses.first!)
    }

    /// The shipped classifier: its recorded test accuracy is ≥ 92% and reproduces; in its features,
    /// training images are close to test images (FD floor) and noise images far.
    func testTheShippedClassifierAndItsFeatureDistances() throws {
        let file = root.appendingPathComponent("checkpoints/fashion-classifier.h5").path
        let c = try ClassifierCheckpoint.read(from: file)
        let test: ExampleSet, train: ExampleSet
        do { (test, train) = (try ExampleSet.fashionMNIST(.test), try ExampleSet.fashionMNIST(.train)) } catch { throw XCTSkip("Fashion-MNIST is not installed") }
        XCTAssertGreaterThanOrEqual(c.testAccuracy, 0.92)
        XCTAssertEqual(try ClassifierTraining.accuracy(c.model, on: test), c.testAccuracy, accuracy: 1e-3)
        let real = c.model.featureSet(test.prefix(500).values), floor = c.model.featureSet(train.prefix(500).values)
        let noise = c.model.featureSet((Tensor.randomUniform([500, 1, 28, 28], key: RandomKey(seed: 4)) * 2 - 1))
        let fdFloor = try frechetDistance(GaussianStatistics(floor), GaussianStatistics(real))
        let fdNoise = try frechetDistance(GaussianStatistics(noise), GaussianStatistics(real))
        let kidFloor = try kernelInceptionDistance(floor, real, blocks: 5), kidNoise = try kernelInceptionDistance(noise, real, blocks: 5)
        print("classifier features, N = 500: FD train/test \(fdFloor), noise/test \(fdNoise); KID \(kidFloor) vs \(kidNoise)")
        XCTAssertGreaterThan(fdNoise, 20 * fdFloor)
        // Measured: FD 46.8 (train/test) vs 1253 (noise); KID −13.5 ± 2.9 vs 285 ± 19 (five blocks of 100 give a
        // rough standard error for this heavy-tailed cubic kernel).
        XCTAssertGreaterThan(kidNoise.value, 10 * abs(kidFloor.value))
        let pr = try PrecisionRecall(real: real, generated: floor)
        XCTAssertGreaterThan(pr.precision, 0.6)
        XCTAssertGreaterThan(pr.recall, 0.6)
    }
}

/// The shipped classifier's features, pinned bit for bit: the features of the first four Fashion-MNIST
/// test images (their bit patterns, and an FNV-1a digest of all 512) as the file gives them.
final class ShippedClassifierPinTests: XCTestCase {
    func testTheShippedClassifierGivesTheRecordedFeaturesBitForBit() throws {
        let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
        let c = try ClassifierCheckpoint.read(from: root.appendingPathComponent("checkpoints/fashion-classifier.h5").path)
        let test: ExampleSet
        do { test = try ExampleSet.fashionMNIST(.test).prefix(4) } catch { throw XCTSkip("Fashion-MNIST is not installed") }
        let features = c.model.features(test.values).scalars
        var digest: UInt64 = 0xcbf2_9ce4_8422_2325  // FNV-1a over the bit patterns
        for f in features { digest = (digest ^ UInt64(f.bitPattern)) &* 0x100_0000_01b3 }
        // Recorded before the network's shape became data (every kernel path gives these bits).
        XCTAssertEqual(features.count, 4 * 128)
        XCTAssertEqual(features.prefix(4).map(\.bitPattern), [0xbe85_131c, 0x40e8_484d, 0xbe4b_03ab, 0x40bc_26bd])  // −0.2599, 7.2588, −0.1983, 5.8797
        XCTAssertEqual(digest, 0xd316_5540_edc6_5453)
    }
}

/// Feature networks of any image shape: the architecture is data, recorded in the file.
final class FeatureNetworkShapeTests: XCTestCase {
    func testANetworkForColourImagesRoundTripsThroughItsFileWithItsShape() throws {
        let config = try FeatureNetworkConfig.standard(for: [3, 64, 64], width: 8, task: .rotation, classNames: [])
        XCTAssertEqual(config.widths, [8, 16, 32, 32], "a stage more until the last map is at most 8×8")
        XCTAssertEqual(config.mapSize, 8)
        XCTAssertEqual(config.classNames, RotationPretext.classNames)
        let model = FeatureClassifier(config, key: RandomKey(seed: 1))
        XCTAssertEqual(model.parameterKeys.filter { $0.hasSuffix(".weight") },
                       ["conv1.weight", "norm1.weight", "conv2.weight", "norm2.weight", "conv3.weight", "norm3.weight",
                        "conv4.weight", "norm4.weight", "fc.weight", "head.weight"])
        let x = Tensor.randomUniform([2, 3, 64, 64], key: RandomKey(seed: 2)) * 2 - 1
        XCTAssertEqual(model.features(x).shape, [2, 32])
        XCTAssertEqual(model.logits(x).shape, [2, 4])
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("net-\(getpid())-\(UInt32.random(in: 0...UInt32.max))")
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: folder) }
        let file = folder.appendingPathComponent("n.h5").path
        try ClassifierCheckpoint(model: model, testAccuracy: 0.25, training: "{}").write(to: file)
        let back = try ClassifierCheckpoint.read(from: file)
        XCTAssertEqual(back.model.config, config)
        XCTAssertEqual(back.model.features(x).scalars, model.features(x).scalars)
        XCTAssertThrowsError(try FeatureNetworkConfig.standard(for: [3, 32, 16], width: 8, task: .rotation, classNames: [])) {
            XCTAssertTrue("\($0)".contains("square images"), "\($0)")
        }
    }

    func testRotationsTurnCounterClockwiseAndFourTurnsAreTheIdentity() {
        // One 2×2 image [[a, b], [c, d]]: a quarter turn counter-clockwise gives [[b, d], [a, c]].
        let x = Tensor([1, 2, 3, 4], shape: [1, 1, 2, 2])
        XCTAssertEqual(RotationPretext.rotated(x, quarterTurns: 1).scalars, [2, 4, 1, 3])
        XCTAssertEqual(RotationPretext.rotated(x, quarterTurns: 2).scalars, [4, 3, 2, 1])
        XCTAssertEqual(RotationPretext.rotated(x, quarterTurns: 3).scalars, [3, 1, 4, 2])
        let y = Tensor.randomUniform([2, 3, 5, 5], key: RandomKey(seed: 3))
        var turned = y
        for _ in 0..<4 { turned = RotationPretext.rotated(turned, quarterTurns: 1) }
        XCTAssertEqual(turned.scalars, y.scalars)
        let (all, labels) = RotationPretext.allRotations(y)
        XCTAssertEqual(all.shape, [8, 3, 5, 5])
        XCTAssertEqual(labels, [0, 0, 1, 1, 2, 2, 3, 3])
    }
}
