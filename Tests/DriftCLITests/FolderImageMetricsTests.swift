import Foundation
import XCTest

/// Image metrics for a user's own images: a folder of 3×32×32 RGB pictures (drawn by the test) trains
/// a small model and a feature network (`drift train-classifier --data folder:`), and `drift compare
/// --classifier --data folder:` measures the model in its features.
final class FolderImageMetricsTests: XCTestCase {
    static let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()

    /// What the tests share, made once: the picture folders, a class-conditional model trained a few steps (label dropout
    /// 0.1, so it samples unconditionally too) and a classifier of the pictures' classes.
    struct Fixture {
        var folder: URL
        var model: String
        var classifier: String
        var classifierOutput: String
        func path(_ name: String) -> String { folder.appendingPathComponent(name).path }
    }

    /// A fixture command that failed, with its standard error.
    struct CommandFailed: Error, CustomStringConvertible { var description: String }

    nonisolated(unsafe) static var shared: Result<Fixture, Error>?

    static func fixture() throws -> Fixture {
        if shared == nil { shared = Result { try makeFixture() } }
        return try shared!.get()
    }

    static func makeFixture() throws -> Fixture {
        let folder = temporaryFolder("folder-image-metrics")
        try ShapeImages.writeFolder(folder.appendingPathComponent("train"), indices: 0..<16, labelled: true)
        try ShapeImages.writeFolder(folder.appendingPathComponent("reference"), indices: 500..<514, labelled: true)
        try ShapeImages.writeFolder(folder.appendingPathComponent("unlabelled"), indices: 100..<112, labelled: false)
        let train = try DriftProcess.run(["train", "--data", "folder:" + folder.appendingPathComponent("train").path, "--image-size", "32",
                                          "--color", "rgb", "--classes", "auto", "--model", "unet", "--channels", "8", "--mults", "1,2", "--attn", "16",
                                          "--steps", "4", "--batch", "8", "--sample-every", "0", "--preview-steps", "2", "--out", folder.appendingPathComponent("run").path],
                                         in: folder)
        guard train.status == 0 else { throw CommandFailed(description: "drift train: \(train.stderr)") }
        let classifier = folder.appendingPathComponent("shapes-classifier.h5").path
        let trained = try DriftProcess.run(["train-classifier", "--data", "folder:" + folder.appendingPathComponent("train").path,
                                            "--width", "8", "--epochs", "6", "--batch", "16", "--out", classifier], in: folder)
        guard trained.status == 0 else { throw CommandFailed(description: "drift train-classifier: \(trained.stderr)") }
        return Fixture(folder: folder, model: folder.appendingPathComponent("run/checkpoint.h5").path, classifier: classifier,
                       classifierOutput: trained.stdout)
    }

    override class func tearDown() {
        if case .success(let f)? = shared { try? FileManager.default.removeItem(at: f.folder) }
        shared = nil
    }

    /// results.csv as rows of fields.
    func table(_ out: String) throws -> [[String]] {
        try String(contentsOf: URL(fileURLWithPath: out).appendingPathComponent("results.csv"), encoding: .utf8)
            .split(separator: "\n").map { $0.split(separator: ",", omittingEmptySubsequences: false).map(String.init) }
    }

    func testALabelledFolderGetsAClassifierOfItsClassesAndCompareGivesFDWithItsStandardError() throws {
        let f = try Self.fixture()
        XCTAssertTrue(f.classifierOutput.contains("test accuracy"), f.classifierOutput)
        XCTAssertTrue(f.classifierOutput.contains("held-out images"), f.classifierOutput)
        let out = f.path("cmp-labelled")
        let run = try DriftProcess.run(["compare", "--model", f.model, "--classifier", f.classifier, "--data", "folder:" + f.path("reference"),
                                        "--sampler", "dpmpp-2m-20", "--nfe", "3", "--n", "20", "--bootstrap", "20", "--out", out], in: f.folder)
        XCTAssertEqual(run.status, 0, run.stderr)
        let rows = try table(out), header = rows[0]
        XCTAssertEqual(Array(header.suffix(13)), ["fd", "fd_se", "fd_half", "fd_quarter", "fd_inf", "kid", "kid_se", "precision", "precision_se",
                                                  "recall", "recall_se", "class_deviation", "class_deviation_se"])
        XCTAssertEqual(rows.count, 3)
        XCTAssertEqual(rows[2][0], "data-vs-data", "the floor: two draws of the folder's images")
        let fd = header.firstIndex(of: "fd")!
        let value = try XCTUnwrap(Double(rows[1][fd])), se = try XCTUnwrap(Double(rows[1][fd + 1])), floor = try XCTUnwrap(Double(rows[2][fd]))
        XCTAssertGreaterThan(se, 0)
        XCTAssertGreaterThan(value, floor, "a model trained 4 steps is farther from the pictures than other pictures are")
    }

    func testAnUnlabelledFolderGetsARotationNetworkAndCompareGivesFDWithoutClassMetrics() throws {
        let f = try Self.fixture()
        let network = f.path("rotation.h5")
        let trained = try DriftProcess.run(["train-classifier", "--data", "folder:" + f.path("unlabelled"), "--width", "8", "--epochs", "4",
                                            "--batch", "12", "--out", network], in: f.folder)
        XCTAssertEqual(trained.status, 0, trained.stderr)
        XCTAssertTrue(trained.stdout.contains("no class sub-folders"), trained.stdout)
        XCTAssertTrue(trained.stdout.contains("rotation accuracy"), trained.stdout)
        // The labelled reference folder: its labels are not the rotation network's classes, so no class metric.
        let out = f.path("cmp-unlabelled")
        let run = try DriftProcess.run(["compare", "--model", f.model, "--classifier", network, "--data", "folder:" + f.path("reference"),
                                        "--sampler", "dpmpp-2m-20", "--nfe", "3", "--n", "20", "--bootstrap", "20", "--out", out], in: f.folder)
        XCTAssertEqual(run.status, 0, run.stderr)
        let rows = try table(out), header = rows[0]
        XCTAssertFalse(header.contains("class_deviation"))
        let fd = try XCTUnwrap(header.firstIndex(of: "fd"))
        XCTAssertEqual(header[fd + 1], "fd_se")
        XCTAssertGreaterThan(try XCTUnwrap(Double(rows[1][fd + 1])), 0)
        let asked = try DriftProcess.run(["compare", "--model", f.model, "--classifier", network, "--data", "folder:" + f.path("reference"),
                                          "--metric", "classes", "--n", "20", "--out", f.path("cmp-classes")], in: f.folder)
        assertCleanFailure(asked, mentions: ["classes needs a feature network of the real images' classes"])
    }

    func testAGuidanceSweepOnFolderClassesMeasuresClassAccuracyInTheFolderClassifier() throws {
        let f = try Self.fixture()
        let out = f.path("cmp-guidance")
        let run = try DriftProcess.run(["compare", "--model", f.model, "--classifier", f.classifier, "--data", "folder:" + f.path("reference"),
                                        "--sampler", "dpmpp-2m-20", "--nfe", "3", "--n", "20", "--bootstrap", "20", "--guidance", "0,2",
                                        "--out", out], in: f.folder)
        XCTAssertEqual(run.status, 0, run.stderr)
        let rows = try String(contentsOf: URL(fileURLWithPath: out).appendingPathComponent("guidance.csv"), encoding: .utf8)
            .split(separator: "\n").map { $0.split(separator: ",", omittingEmptySubsequences: false).map(String.init) }
        let accuracy = try XCTUnwrap(rows[0].firstIndex(of: "class_accuracy")), guidance = try XCTUnwrap(rows[0].firstIndex(of: "guidance"))
        XCTAssertEqual(rows.map { $0[guidance] }.dropFirst(), ["0", "2", ""])
        // The floor: real pictures with their own labels, which the classifier mostly gets right.
        XCTAssertEqual(rows[3][0], "data-vs-data")
        XCTAssertGreaterThan(try XCTUnwrap(Double(rows[3][accuracy])), 0.6)
        // A rotation network has no classes to check the requested ones against.
        let rotation = f.path("rotation-for-guidance.h5")
        XCTAssertEqual(try DriftProcess.run(["train-classifier", "--data", "folder:" + f.path("train"), "--unlabelled", "--width", "8",
                                             "--epochs", "1", "--out", rotation], in: f.folder).status, 0)
        assertCleanFailure(try DriftProcess.run(["compare", "--model", f.model, "--classifier", rotation, "--data", "folder:" + f.path("reference"),
                                                 "--n", "20", "--guidance", "0,2", "--out", f.path("cmp-bad-guidance")], in: f.folder),
                           mentions: ["a feature network of the model's classes", "(balloon, house, tree)"])
    }

    func testBadInputIsOneLineAndWritesNothing() throws {
        let f = try Self.fixture()
        let out = f.path("cmp-bad")
        let base = ["compare", "--model", f.model, "--sampler", "dpmpp-2m-20", "--nfe", "3", "--n", "20", "--out", out]
        // A feature network of another shape: both shapes are named.
        let fashion = Self.root.appendingPathComponent("checkpoints/fashion-classifier.h5").path
        assertCleanFailure(try DriftProcess.run(base + ["--classifier", fashion, "--data", "folder:" + f.path("reference")], in: f.folder),
                           mentions: ["takes 1×28×28 images", "makes 3×32×32 samples", "--classifier"])
        // Reference images of another shape: the file and both shapes.
        let gray = f.folder.appendingPathComponent("gray28")
        try FileManager.default.createDirectory(at: gray, withIntermediateDirectories: true)
        for i in 0..<40 { try TestPNG.write(width: 28, height: 28, shade: UInt8(i), to: gray.appendingPathComponent("g\(i).png").path) }
        assertCleanFailure(try DriftProcess.run(base + ["--classifier", f.classifier, "--data", "folder:" + gray.path], in: f.folder),
                           mentions: ["g0.png is 1×28×28", "3×32×32"])
        assertCleanFailure(try DriftProcess.run(base + ["--classifier", f.classifier, "--data", "folder:" + gray.path, "--image-size", "28"], in: f.folder),
                           mentions: ["gives 3×28×28 images", "makes 3×32×32 samples"])
        // An empty folder, too few images, no reference images at all.
        let empty = f.folder.appendingPathComponent("empty")
        try FileManager.default.createDirectory(at: empty, withIntermediateDirectories: true)
        assertCleanFailure(try DriftProcess.run(base + ["--classifier", f.classifier, "--data", "folder:" + empty.path], in: f.folder),
                           mentions: ["holds no .png images"])
        assertCleanFailure(try DriftProcess.run(base + ["--classifier", f.classifier, "--data", "folder:" + f.path("reference"), "--n", "24"], in: f.folder),
                           mentions: ["holds 42 images", "2 × --n = 48"])
        assertCleanFailure(try DriftProcess.run(base + ["--classifier", f.classifier], in: f.folder), mentions: ["--data folder:PATH"])
        assertCleanFailure(try DriftProcess.run(base + ["--classifier", f.classifier, "--image-size", "32"], in: f.folder), mentions: ["there is no folder"])
        XCTAssertFalse(FileManager.default.fileExists(atPath: out))
        // train-classifier: an empty folder, point data.
        let network = f.path("bad.h5")
        assertCleanFailure(try DriftProcess.run(["train-classifier", "--data", "folder:" + empty.path, "--out", network], in: f.folder),
                           mentions: ["holds no .png images"])
        assertCleanFailure(try DriftProcess.run(["train-classifier", "--data", "toy:moons", "--out", network], in: f.folder),
                           mentions: ["trained on images"])
        assertCleanFailure(try DriftProcess.run(["train-classifier", "--data", "folder:" + f.path("train"), "--width", "12", "--out", network], in: f.folder),
                           mentions: ["--width must be a positive multiple of 8"])
        XCTAssertFalse(FileManager.default.fileExists(atPath: network))
    }
}
