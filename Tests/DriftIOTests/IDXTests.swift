import DriftIO
import Foundation
import TensorIO
import XCTest

/// IDX (MNIST-format) files, plain and gzip: exact contents, validation, clear errors.
final class IDXTests: XCTestCase {
    /// An IDX file: big-endian magic and sizes, then the bytes.
    private func idx(magic: UInt32, shape: [Int], data: [UInt8]) -> [UInt8] {
        func be(_ v: UInt32) -> [UInt8] { [24, 16, 8, 0].map { UInt8(truncatingIfNeeded: v >> $0) } }
        return be(magic) + shape.flatMap { be(UInt32($0)) } + data
    }

    /// Compresses a file with the system's gzip (an independent implementation of the format).
    private func gzip(_ path: String) throws {
        let p = Process()
        p.executableURL = URL(fileURLWithPath: "/bin/gzip")
        p.arguments = ["-kf", path]
        try p.run()
        p.waitUntilExit()
        XCTAssertEqual(p.terminationStatus, 0)
    }

    private let pixels: [UInt8] = (0..<60).map { UInt8($0 * 4) }

    func testPlainAndGzipFilesReadTheSameArray() throws {
        let dir = TestFolder()
        dir.write(idx(magic: 2051, shape: [3, 4, 5], data: pixels), to: "images")
        try gzip(dir.file("images"))
        let expected = IDXArray(shape: [3, 4, 5], bytes: pixels)
        XCTAssertEqual(try IDX.readImages(dir.file("images")), expected)
        XCTAssertEqual(try IDX.readImages(dir.file("images.gz")), expected)
        XCTAssertEqual(try IDX.read(dir.file("images.gz")), expected)
        dir.write(idx(magic: 2049, shape: [4], data: [0, 9, 3, 1]), to: "labels")
        XCTAssertEqual(try IDX.readLabels(dir.file("labels")).bytes, [0, 9, 3, 1])
        let t = try IDX.readImages(dir.file("images")).imageTensor()
        XCTAssertEqual(t.shape, [3, 1, 4, 5])
        XCTAssertEqual(t.scalars[1], -1 + 2 * 4 / 255, accuracy: 1e-6)
    }

    func testWrongKindsAndForeignFilesAreNamed() throws {
        let dir = TestFolder()
        dir.write(idx(magic: 2049, shape: [4], data: [0, 1, 2, 3]), to: "labels")
        XCTAssertEqual(driftError { try IDX.readImages(dir.file("labels")) }?.description,
                       "not an IDX file: \(dir.file("labels")) (magic number 2049, expected 2051 (images))")
        dir.write(Array("P5\n28 28\n255\n".utf8), to: "pgm")
        XCTAssertEqual(driftError { try IDX.read(dir.file("pgm")) }?.description,
                       "not an IDX file: \(dir.file("pgm")) (magic number 1345653298 is not an unsigned-byte IDX header)")
        dir.write([], to: "empty")
        XCTAssertEqual(driftError { try IDX.read(dir.file("empty")) }, .wrongFormat(path: dir.file("empty"), format: "IDX", detail: "empty file"))
        XCTAssertEqual(driftError { try IDX.read(dir.file("missing.gz")) }, .fileNotFound(path: dir.file("missing.gz")))
        XCTAssertEqual(driftError { try IDX.read(dir.path) }, .isDirectory(path: dir.path))
    }

    func testTruncatedCorruptAndOverlongFilesAreDamaged() throws {
        let dir = TestFolder()
        let whole = idx(magic: 2051, shape: [3, 4, 5], data: pixels)
        dir.write(Array(whole.dropLast(7)), to: "short")
        XCTAssertEqual(driftError { try IDX.readImages(dir.file("short")) }?.description,
                       "file is truncated or damaged: \(dir.file("short")) (53 data bytes for shape [3, 4, 5] (60 expected))")
        dir.write(Array(whole.prefix(10)), to: "header")
        XCTAssertEqual(driftError { try IDX.readImages(dir.file("header")) }?.description,
                       "file is truncated or damaged: \(dir.file("header")) (header ends after 10 bytes)")
        dir.write(whole + [1, 2], to: "long")
        guard case .damaged? = driftError({ try IDX.readImages(dir.file("long")) }) else { return XCTFail() }

        dir.write(whole, to: "img")
        try gzip(dir.file("img"))
        let gz = dir.bytes("img.gz")
        for keep in [gz.count - 1, gz.count - 8, gz.count / 2, 12] {
            dir.write(Array(gz.prefix(keep)), to: "cut.gz")
            let e = driftError { try IDX.readImages(dir.file("cut.gz")) }
            guard case .damaged? = e else { XCTFail("gzip cut at \(keep): \(String(describing: e))"); continue }
        }
        var crcFlip = gz
        crcFlip[gz.count - 6] ^= 0xFF   // gzip trailer CRC-32
        dir.write(crcFlip, to: "crc.gz")
        let e = driftError { try IDX.readImages(dir.file("crc.gz")) }
        XCTAssertEqual(e?.description, "file is truncated or damaged: \(dir.file("crc.gz")) (incorrect data check)")
    }

    func testFashionMNISTFromAFolderAndMissingPackageMessage() throws {
        let dir = TestFolder()
        let images = (0..<(2 * 28 * 28)).map { UInt8($0 % 256) }
        dir.write(idx(magic: 2051, shape: [2, 28, 28], data: images), to: "t10k-images-idx3-ubyte")
        dir.write(idx(magic: 2049, shape: [2], data: [7, 2]), to: "t10k-labels-idx1-ubyte")
        try gzip(dir.file("t10k-labels-idx1-ubyte"))
        let test = try FashionMNIST.load(.test, directory: dir.path)
        XCTAssertEqual(test.count, 2)
        XCTAssertEqual(test.labels, [7, 2])
        XCTAssertEqual(test.images.bytes, images)
        XCTAssertEqual(test.imageTensor().shape, [2, 1, 28, 28])
        XCTAssertEqual(FashionMNIST.classNames[7], "Sneaker")

        XCTAssertEqual(driftError { try FashionMNIST.load(.train, directory: dir.path) }?.description,
                       "\(dir.path)/train-images-idx3-ubyte.gz not found: install the Debian package dataset-fashion-mnist "
                       + "(sudo apt-get install dataset-fashion-mnist)")
        dir.write(idx(magic: 2049, shape: [3], data: [1, 2, 3]), to: "t10k-labels-idx1-ubyte")
        try gzip(dir.file("t10k-labels-idx1-ubyte"))
        XCTAssertEqual(driftError { try FashionMNIST.load(.test, directory: dir.path) }?.description,
                       "file is truncated or damaged: \(dir.file("t10k-labels-idx1-ubyte.gz")) (3 labels for 2 images)")
    }

    func testInstalledFashionMNISTTestSplit() throws {
        guard FileManager.default.fileExists(atPath: FashionMNIST.defaultDirectory + "/t10k-labels-idx1-ubyte.gz") else {
            throw XCTSkip("Fashion-MNIST not installed (apt-get install dataset-fashion-mnist)")
        }
        let test = try FashionMNIST.load(.test)
        XCTAssertEqual(test.images.shape, [10000, 28, 28])
        XCTAssertEqual(test.count, 10000)
        for c in 0..<10 { XCTAssertEqual(test.labels.filter { $0 == c }.count, 1000, "class \(c)") }
        XCTAssertEqual(try IDX.readLabels(FashionMNIST.defaultDirectory + "/train-labels-idx1-ubyte.gz").shape, [60000])
    }
}
