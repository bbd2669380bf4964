import DriftIO
import Evaluation
import Foundation
import TensorCore
import TensorIO
import XCTest

/// Every model shipped in `checkpoints/` loads and samples, through `drift sample` as a user
/// runs it, the statistics recorded in `checkpoints/golden-stats.json`: per-coordinate mean and
/// standard deviation of the samples and, for Fashion-MNIST models, the histogram of the classes
/// the evaluation classifier sees.
///
/// The file lists the cases (model, sampler, n, seed, class, guidance); `scripts/record-golden.sh`
/// (`DRIFT_RECORD_GOLDEN=1`) fills in the numbers from this same code. Sampling is bitwise
/// reproducible on every kernel path, so the tolerances only leave room for another libm:
/// means and stds within 2e-4, and at most one image whose class changes (class histograms
/// within 2 in total absolute difference).
final class ShippedModelGoldenTests: XCTestCase {
    let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
    var goldenFile: URL { root.appendingPathComponent("checkpoints/golden-stats.json") }
    static let momentTolerance = 2e-4
    static let histogramTolerance = 2

    struct Case: Codable {
        var file: String
        var sampler: String
        var n: Int
        var seed: UInt64
        /// `--class` (an index, a name or `all`), absent for unconditional sampling.
        var `class`: String?
        var guidance: Double?
        // Recorded statistics (absent until recorded).
        var mean: [Double]?
        var std: [Double]?
        var classHistogram: [Int]?
    }

    struct Golden: Codable {
        var note: String
        var cases: [Case]
    }

    func testEveryShippedModelSamplesItsRecordedStatistics() throws {
        var golden = try JSONDecoder().decode(Golden.self, from: Data(contentsOf: goldenFile))
        let record = ProcessInfo.processInfo.environment["DRIFT_RECORD_GOLDEN"] == "1"

        // Every generative checkpoint in checkpoints/ has at least one case.
        let shipped = try FileManager.default.contentsOfDirectory(atPath: root.appendingPathComponent("checkpoints").path)
            .filter { $0.hasSuffix(".h5") && $0 != "fashion-classifier.h5" }
        for file in shipped where !golden.cases.contains(where: { $0.file == "checkpoints/" + file }) {
            XCTFail("checkpoints/\(file) has no case in checkpoints/golden-stats.json")
        }

        let classifier = try ClassifierCheckpoint.read(from: root.appendingPathComponent("checkpoints/fashion-classifier.h5").path).model
        let folder = temporaryFolder()
        defer { try? FileManager.default.removeItem(at: folder) }
        for (i, c) in golden.cases.enumerated() {
            let out = folder.appendingPathComponent("case\(i).h5")
            var args = ["sample", "--model", root.appendingPathComponent(c.file).path, "--sampler", c.sampler,
                        "--n", "\(c.n)", "--seed", "\(c.seed)", "--out", out.path]
            if let k = c.class { args += ["--class", k] }
            if let w = c.guidance { args += ["--guidance", "\(w)"] }
            let run = try DriftProcess.run(args, in: folder)
            XCTAssertEqual(run.status, 0, "\(c.file): \(run.stderr)")
            guard run.status == 0 else { continue }
            let reader = try HDF5Reader(path: out.path)
            let samples = try reader.readTensor("/samples")
            reader.close()
            let (mean, std) = Self.moments(samples)
            let histogram = Array(samples.shape.dropFirst()) == classifier.inputShape
                ? Self.histogram(classifier.predict(samples)) : nil
            let label = "\(c.file) \(c.sampler) n \(c.n) seed \(c.seed)" + (c.class.map { " class \($0)" } ?? "")
            print("golden \(label): mean \(mean.map { String(format: "%.5f", $0) }), std \(std.map { String(format: "%.5f", $0) })"
                  + (histogram.map { ", classes \($0)" } ?? ""))
            if record {
                golden.cases[i].mean = mean
                golden.cases[i].std = std
                golden.cases[i].classHistogram = histogram
                continue
            }
            guard let goldenMean = c.mean, let goldenStd = c.std else {
                XCTFail("\(label): no recorded statistics; run scripts/record-golden.sh")
                continue
            }
            XCTAssertEqual(mean.count, goldenMean.count, label)
            for (a, b) in zip(mean, goldenMean) { XCTAssertEqual(a, b, accuracy: Self.momentTolerance, "\(label): mean") }
            for (a, b) in zip(std, goldenStd) { XCTAssertEqual(a, b, accuracy: Self.momentTolerance, "\(label): std") }
            if let h = histogram, let g = c.classHistogram {
                let distance = zip(h, g).map { abs($0 - $1) }.reduce(0, +)
                XCTAssertLessThanOrEqual(distance, Self.histogramTolerance, "\(label): classes \(h), recorded \(g)")
            }
        }
        if record {
            let encoder = JSONEncoder()
            encoder.outputFormatting = [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes]
            try encoder.encode(golden).write(to: goldenFile)
        }
    }

    /// Per-coordinate mean and standard deviation for points ([n, d]); one of each over all
    /// pixels for images ([n, c, h, w]).
    static func moments(_ samples: Tensor) -> (mean: [Double], std: [Double]) {
        let values = samples.scalars
        let columns = samples.shape.count == 2 ? samples.shape[1] : 1
        let perColumn = values.count / columns
        var mean = [Double](repeating: 0, count: columns), square = mean
        for (j, v) in values.enumerated() {
            let column = samples.shape.count == 2 ? j % columns : 0
            mean[column] += Double(v)
            square[column] += Double(v) * Double(v)
        }
        let m = mean.map { $0 / Double(perColumn) }
        let s = zip(square, m).map { (($0 / Double(perColumn)) - $1 * $1).squareRoot() }
        return (m, s)
    }

    static func histogram(_ classes: [Int]) -> [Int] {
        var h = [Int](repeating: 0, count: FeatureNetworkConfig.fashionMNIST.classNames.count)
        for k in classes { h[k] += 1 }
        return h
    }
}
