import XCTest
import DriftIO
import TensorCore
import Datasets
@testable import Training

/// Image data: a folder of PNGs, and Fashion-MNIST when the Debian package is installed.
final class ImageDataTests: XCTestCase {
    var folder: URL!
    override func setUp() { folder = makeTemporaryFolder() }
    override func tearDown() { try? FileManager.default.removeItem(at: folder) }

    func writeImage(_ name: String, width: Int, height: Int, channels: Int, value: (Int, Int) -> UInt8) throws {
        var image = PixelImage(width: width, height: height, channels: channels)
        for y in 0..<height { for x in 0..<width { for c in 0..<channels { image[x, y, c] = value(x, y) } } }
        try image.writePNG(to: folder.appendingPathComponent(name).path)
    }

    func testAFolderOfPNGsIsCroppedResizedAndScaled() throws {
        // A wide image whose centre square is white and sides black: the centre crop keeps only white.
        try writeImage("a.png", width: 48, height: 16, channels: 3) { x, _ in (16..<32).contains(x) ? 255 : 0 }
        try writeImage("b.png", width: 4, height: 4, channels: 1) { _, _ in 0 }        // enlarged
        try Data("notes".utf8).write(to: folder.appendingPathComponent("readme.txt"))  // ignored
        let rgb = try ImageFolder.load(folder.path, imageSize: 8, color: .rgb)
        XCTAssertEqual(rgb.values.shape, [2, 3, 8, 8])
        let first = rgb.gather([0]).scalars, second = rgb.gather([1]).scalars
        XCTAssertTrue(first.allSatisfy { $0 == 1 }, "centre crop of a.png should be white")
        XCTAssertTrue(second.allSatisfy { $0 == -1 })
        XCTAssertEqual(try ImageFolder.load(folder.path, imageSize: 8, color: .gray).values.shape, [2, 1, 8, 8])
    }

    func testFolderProblemsAreOneLineErrors() throws {
        XCTAssertThrowsError(try ImageFolder.load(folder.path, imageSize: 8, color: .rgb)) {
            XCTAssertTrue("\($0)".contains("holds no .png images"), "\($0)")
        }
        try writeImage("good.png", width: 8, height: 8, channels: 3) { x, y in UInt8((x * 31 + y * 7) % 256) }
        let good = try Data(contentsOf: folder.appendingPathComponent("good.png"))
        try good.prefix(good.count / 2).write(to: folder.appendingPathComponent("half.png"))
        XCTAssertThrowsError(try ImageFolder.load(folder.path, imageSize: 8, color: .rgb)) {
            XCTAssertTrue("\($0)".contains("half.png"), "\($0)")
            XCTAssertFalse("\($0)".contains("\n"))
        }
        try FileManager.default.removeItem(at: folder.appendingPathComponent("half.png"))
        try Data("GIF89a".utf8).write(to: folder.appendingPathComponent("fake.png"))
        XCTAssertThrowsError(try ImageFolder.load(folder.path, imageSize: 8, color: .rgb)) {
            XCTAssertTrue("\($0)".contains("not an PNG file") || "\($0)".contains("fake.png"), "\($0)")
        }
        XCTAssertThrowsError(try ImageFolder.load(folder.appendingPathComponent("missing").path, imageSize: 8, color: .rgb)) {
            XCTAssertTrue("\($0)".contains("no such folder"), "\($0)")
        }
    }

    func testFashionMNISTIsScaledAndLabelled() throws {
        guard FileManager.default.fileExists(atPath: "/usr/share/datasets/fashion-mnist/t10k-images-idx3-ubyte.gz") else {
            throw XCTSkip("dataset-fashion-mnist is not installed")
        }
        let test = try ExampleSet.fashionMNIST(.test)
        XCTAssertEqual(test.values.shape, [10_000, 1, 28, 28])
        XCTAssertEqual(Set(test.labels!), Set(0..<10))
        let v = test.values.scalars
        XCTAssertEqual(v.min(), -1)
        XCTAssertEqual(v.max(), 1)
    }

    func testMissingFashionMNISTNamesTheDebianPackage() {
        XCTAssertThrowsError(try ExampleSet.fashionMNIST(.train, directory: folder.path)) {
            XCTAssertTrue("\($0)".contains("dataset-fashion-mnist"), "\($0)")
        }
    }

    func testPreviewsArePNGsWithMetadata() throws {
        var config = tinyConfig(steps: 4)
        config.sampleEvery = 2
        config.previewSteps = 4
        let run = try TrainingRun.start(config, in: RunFolder(folder.appendingPathComponent("run").path))
        run.preview = TrainingPreview.render
        XCTAssertEqual(try run.run(), .finished(step: 4))
        for step in [2, 4] {
            let file = try PNG.read(run.folder.preview(step: step))
            XCTAssertEqual(file.text("drift.step"), "\(step)")
            XCTAssertEqual(file.text("drift.objective"), "cfm")
            XCTAssertGreaterThan(file.image.width, 100)
        }
    }
}
