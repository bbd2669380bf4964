import XCTest
import DriftIO
import Generative
import NN
import TensorCore
import Datasets
@testable import Training

/// Labels through the data path, label dropout, position-keyed draws and conditional training.
final class ConditioningTests: XCTestCase {
    func testToyLabelsNameThePartEachPointComesFrom() {
        let key = RandomKey(seed: 1)
        let eight = ToyDistribution.eightGaussians
        let x = eight.sample(500, key: key, firstSample: 100).scalars, labels = eight.labels(500, key: key, firstSample: 100)
        for i in 0..<500 {
            let angle = 2 * Double.pi * Double(labels[i]) / 8
            XCTAssertEqual(Double(x[2 * i]), 2 * cos(angle), accuracy: 0.6)
            XCTAssertEqual(Double(x[2 * i + 1]), 2 * sin(angle), accuracy: 0.6)
        }
        XCTAssertEqual(Set(labels), Set(0..<8))
        let rings = ToyDistribution.rings
        let r = rings.sample(400, key: key).scalars, ringLabels = rings.labels(400, key: key)
        for i in 0..<400 {
            XCTAssertEqual(Double(hypot(r[2 * i], r[2 * i + 1])), 0.5 * Double(ringLabels[i] + 1), accuracy: 0.2)
        }
        let moons = ToyDistribution.moons
        XCTAssertEqual(moons.classNames, ["upper", "lower"])
        // The upper moon's points lie above the lower moon's on average.
        let m = moons.sample(1000, key: key).scalars, moonLabels = moons.labels(1000, key: key)
        let meanY = { (c: Int) in (0..<1000).filter { moonLabels[$0] == c }.map { Double(m[2 * $0 + 1]) }.reduce(0, +) / 500 }
        XCTAssertGreaterThan(meanY(0), meanY(1) + 0.5)
    }

    func testMixtureLabelsAreTheComponentsOfTheSamples() throws {
        let g = try GaussianMixture(weights: [0.6, 0.4], means: [[-3, 0], [3, 0]], stds: [[0.2, 0.2], [0.2, 0.2]], path: .standard(.vp))
        let source = MixtureSource(g)
        let key = RandomKey(seed: 2)
        let x = source.examples(at: 50, count: 300, key: key).scalars, labels = source.labels(at: 50, count: 300, key: key)!
        for i in 0..<300 { XCTAssertEqual(x[2 * i] > 0, labels[i] == 1) }
        XCTAssertEqual(source.classNames, ["0", "1"])
    }

    func testAFolderOfClassSubFoldersIsLabelledAndAFlatFolderIsNot() throws {
        let root = makeTemporaryFolder()
        defer { try? FileManager.default.removeItem(at: root) }
        for (c, name) in ["cats", "dogs"].enumerated() {
            let sub = root.appendingPathComponent(name)
            try FileManager.default.createDirectory(at: sub, withIntermediateDirectories: true)
            for i in 0..<(2 + c) {
                var image = PixelImage(width: 4, height: 4, channels: 1)
                for y in 0..<4 { for x in 0..<4 { image[x, y, 0] = UInt8(c * 200) } }
                try image.writePNG(to: sub.appendingPathComponent("\(i).png").path)
            }
        }
        let set = try ImageFolder.load(root.path, imageSize: 4, color: .gray)
        XCTAssertEqual(set.classNames, ["cats", "dogs"])
        XCTAssertEqual(set.labels, [0, 0, 1, 1, 1])
        XCTAssertEqual(set.values.rows(4..<5).scalars[0], Float(200) / 127.5 - 1, accuracy: 1e-6)
        XCTAssertEqual(try DataSpec.folder(path: root.path, imageSize: 4, color: .gray).classNames(), ["cats", "dogs"])
        let flat = root.appendingPathComponent("dogs")
        XCTAssertNil(try DataSpec.folder(path: flat.path, imageSize: 4, color: .gray).classNames())
        XCTAssertNil(try ImageFolder.load(flat.path, imageSize: 4, color: .gray).labels)
    }

    func testFashionMNISTCarriesItsClassNames() throws {
        guard let set = try? ExampleSet.fashionMNIST(.test) else { throw XCTSkip("dataset-fashion-mnist is not installed") }
        XCTAssertEqual(set.classNames?.count, 10)
        XCTAssertEqual(set.classNames?[7], "Sneaker")
        XCTAssertEqual(try DataSpec.fashionMNIST(split: .train).classNames(), set.classNames)
    }

    /// Label dropout drops a fraction p of the positions (within 4 standard errors), each a pure
    /// function of its position.
    func testLabelDropoutDropsTheRequestedFractionByPosition() {
        let c = ClassConditioning(classNames: ["a", "b"], labelDropout: 0.2)
        let key = RandomKey(seed: 3)
        let n = 20_000
        let dropped = (0..<n).filter { c.dropsLabel(position: $0, key: key) }.count
        XCTAssertEqual(Double(dropped) / Double(n), 0.2, accuracy: 4 * (0.2 * 0.8 / Double(n)).squareRoot())
        XCTAssertEqual((0..<50).map { c.dropsLabel(position: 1000 + $0, key: key) },
                       (0..<50).map { c.dropsLabel(position: 1000 + $0, key: key) })
        XCTAssertFalse((0..<1000).contains { ClassConditioning(classNames: ["a"], labelDropout: 0).dropsLabel(position: $0, key: key) })
    }

    /// An example's noise and time are keyed by its stream position: the loss of a batch is the
    /// mean of the losses of its two halves, for every objective.
    func testTheDrawsOfAnExampleDoNotDependOnItsRowInTheBatch() throws {
        let net = try MLP(MLPConfig(inputDimension: 2, width: 16, depth: 1, timeEmbeddingDimension: 8, classCount: 2), key: RandomKey(seed: 4))
        let x0 = ToyDistribution.moons.sample(12, key: RandomKey(seed: 5))
        let classes: [Int?] = (0..<12).map { $0 % 3 == 2 ? nil : $0 % 2 }
        let key = RandomKey(seed: 6)
        for kind in [ObjectiveKind.cfm, .dsm, .edm] {
            let objective = try TrainingObjective(ObjectiveConfig(kind: kind, timeSampling: kind == .cfm ? .logitNormal(mean: 0, std: 1) : .uniform),
                                                  path: .standard(kind.defaultPath))
            let whole = objective.loss(net, data: x0, classes: classes, key: key, firstSample: 40).item
            let first = objective.loss(net, data: x0.rows(0..<5), classes: Array(classes[0..<5]), key: key, firstSample: 40).item
            let second = objective.loss(net, data: x0.rows(5..<12), classes: Array(classes[5..<12]), key: key, firstSample: 45).item
            XCTAssertEqual(Double(whole), (5 * Double(first) + 7 * Double(second)) / 12, accuracy: 1e-5 * Double(whole), "\(kind)")
        }
    }

    /// The checkpoint records the classes, their names and the dropout; inspect lists them.
    func testTheCheckpointRecordsTheConditioning() throws {
        let config = conditionalConfig(steps: 2)
        let folder = makeTemporaryFolder()
        defer { try? FileManager.default.removeItem(at: folder) }
        let trainer = try Trainer(config: config, source: try config.data.makeSource())
        try trainer.trainStep()
        let file = folder.appendingPathComponent("checkpoint.h5").path
        try trainer.checkpoint().write(to: file)
        let checkpoint = try Checkpoint.read(from: file)
        XCTAssertEqual(checkpoint.training.conditioning, config.conditioning)
        XCTAssertEqual(try TrainedModel(checkpoint: checkpoint).classNames, ToyDistribution.eightGaussians.classNames)
        XCTAssertTrue(try CheckpointSummary(file: file).text.contains("classes          8: 0 0deg, 1 45deg"))
    }

    func testConditioningMustMatchTheModelAndTheData() throws {
        var config = conditionalConfig()
        config.model.classCount = 3
        XCTAssertThrowsError(try config.validate())
        config = conditionalConfig(dropout: 1)
        XCTAssertThrowsError(try config.validate()) { XCTAssertTrue("\($0)".contains("--label-dropout must be in [0, 1)")) }
        config = conditionalConfig()
        config.conditioning?.classNames = ["a", "b", "c", "d", "e", "f", "g", "h"]
        XCTAssertThrowsError(try Trainer(config: config, source: try config.data.makeSource())) { XCTAssertTrue("\($0)".contains("differ")) }
    }

    /// The class embedding learns: after training on 8 Gaussians, class k's samples land on component k.
    func testAConditionalToyModelSamplesTheRequestedComponent() throws {
        var config = conditionalConfig(steps: 600, dropout: 0.1)
        config.model = .mlp(MLPConfig(inputDimension: 2, width: 64, depth: 2, timeEmbeddingDimension: 16, classCount: 8))
        config.batchSize = 256
        let trainer = try Trainer(config: config, source: try config.data.makeSource())
        for _ in 0..<config.steps { try trainer.trainStep() }
        let model = try TrainedModel(checkpoint: trainer.checkpoint())
        var hits = 0, total = 0
        for k in 0..<8 {
            let samples = try TrainingPreview.samples(trainer, count: 50, classes: [Int?](repeating: k, count: 50)).scalars
            let angle = 2 * Double.pi * Double(k) / 8
            for i in 0..<50 {
                total += 1
                if hypot(Double(samples[2 * i]) - 2 * cos(angle), Double(samples[2 * i + 1]) - 2 * sin(angle)) < 0.5 { hits += 1 }
            }
        }
        XCTAssertEqual(model.classNames.count, 8)
        print("conditional 8 Gaussians after 600 steps: \(hits)/\(total) samples on the requested component")
        XCTAssertGreaterThan(Double(hits) / Double(total), 0.9)
    }
}
