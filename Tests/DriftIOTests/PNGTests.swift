import DriftIO
import Foundation
import TensorCore
import TensorIO
import XCTest

/// PNG writing and reading through libpng: exact pixels, text chunks, any input kind, clear errors.
final class PNGTests: XCTestCase {
    private func randomImage(_ w: Int, _ h: Int, _ c: Int, seed: UInt64) -> PixelImage {
        var rng = SplitMix(seed: seed)
        return PixelImage(width: w, height: h, channels: c, pixels: (0..<(w * h * c)).map { _ in UInt8.random(in: 0...255, using: &rng) })
    }

    private func fixture(_ name: String) throws -> String {
        try XCTUnwrap(Bundle.module.path(forResource: name, ofType: "png", inDirectory: "Fixtures"))
    }

    /// The 5x3 gradient of the fixtures: value(x, y) = 40x + 10y.
    private var gradient: [UInt8] { (0..<3).flatMap { y in (0..<5).map { x in UInt8(40 * x + 10 * y) } } }

    func testEveryChannelCountRoundTripsExactly() throws {
        let dir = TestFolder()
        for c in 1...4 {
            let img = randomImage(37, 23, c, seed: UInt64(c))
            let path = dir.file("c\(c).png")
            try img.writePNG(to: path)
            let back = try PNG.read(path)
            XCTAssertEqual(back.image, img, "channels \(c)")
            XCTAssertEqual(back.bitDepth, 8)
            XCTAssertFalse(back.interlaced)
        }
        XCTAssertEqual(dir.entries, ["c1.png", "c2.png", "c3.png", "c4.png"], "no temporary files left")
    }

    func testTextChunksRoundTrip() throws {
        let dir = TestFolder()
        let text = [PNGText("model", "unet28"), PNGText("sampler", "heun"), PNGText("NFE", "35"), PNGText("seed", "42"),
                    PNGText("command line", "drift sample --model run/ckpt.h5 --steps 18"), PNGText("note", "grüße ✓")]
        try randomImage(8, 8, 3, seed: 1).writePNG(to: dir.file("t.png"), text: text)
        let back = try PNG.read(dir.file("t.png"))
        XCTAssertEqual(back.text, text)
        XCTAssertEqual(back.text("NFE"), "35")
        XCTAssertNil(back.text("absent"))
    }

    func testCompressionLevelChangesSizeNotPixels() throws {
        let dir = TestFolder()
        let smooth = PixelImage(tensor: Tensor.arange(0, 4096).reshaped([64, 64]), range: 0...4096)
        try smooth.writePNG(to: dir.file("0.png"), compressionLevel: 0)
        try smooth.writePNG(to: dir.file("9.png"), compressionLevel: 9)
        XCTAssertLessThan(dir.bytes("9.png").count, dir.bytes("0.png").count)
        XCTAssertEqual(try PixelImage.readPNG(dir.file("0.png")), try PixelImage.readPNG(dir.file("9.png")))
    }

    func testPngcheckAcceptsWrittenFiles() throws {
        guard FileManager.default.isExecutableFile(atPath: "/usr/bin/pngcheck") else {
            throw XCTSkip("pngcheck not installed (Debian package pngcheck)")
        }
        let dir = TestFolder()
        for c in 1...4 {
            try randomImage(9, 5, c, seed: 9).writePNG(to: dir.file("c\(c).png"), text: [PNGText("model", "ü"), PNGText("seed", "1")])
        }
        let p = Process()
        p.executableURL = URL(fileURLWithPath: "/usr/bin/pngcheck")
        p.arguments = (1...4).map { dir.file("c\($0).png") }
        let out = Pipe()
        p.standardOutput = out
        try p.run()
        let text = String(decoding: out.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
        p.waitUntilExit()
        XCTAssertEqual(p.terminationStatus, 0, text)
        XCTAssertTrue(text.contains("No errors were detected in 4 of the 4 files tested"), text)
    }

    func testFilesOfOtherKindsConvertTo8Bit() throws {
        let g16 = try PNG.read(fixture("gray16"))
        XCTAssertEqual(g16.bitDepth, 16)
        XCTAssertEqual(g16.image, PixelImage(width: 5, height: 3, channels: 1, pixels: gradient))

        let palette = try PNG.read(fixture("palette"))
        XCTAssertEqual(palette.image.channels, 3)
        XCTAssertEqual((0..<15).map { palette.image.pixels[3 * $0] }, gradient)
        XCTAssertEqual((0..<15).map { palette.image.pixels[3 * $0 + 1] }, gradient.map { 255 - $0 })

        let rgba = try PNG.read(fixture("rgba_interlaced"))
        XCTAssertTrue(rgba.interlaced)
        XCTAssertEqual(rgba.image.channels, 4)
        XCTAssertEqual((0..<15).map { rgba.image.pixels[4 * $0] }, gradient)
        XCTAssertEqual((0..<15).map { rgba.image.pixels[4 * $0 + 3] }, [UInt8](repeating: 128, count: 15))
        let rgb = try PixelImage.readPNG(fixture("rgba_interlaced"), channels: .rgb)
        XCTAssertEqual(rgb, rgba.image.converted(toChannels: 3))

        let ga = try PNG.read(fixture("gray_alpha"))
        XCTAssertEqual(ga.image.channels, 2)
        let gaAsRGB = try PixelImage.readPNG(fixture("gray_alpha"), channels: .rgb)
        XCTAssertEqual(gaAsRGB.pixels, gradient.flatMap { [$0, $0, $0] })
        XCTAssertEqual(try PixelImage.readPNG(fixture("gray16"), channels: .rgba).pixels, gradient.flatMap { [$0, $0, $0, 255] })

        let asGray = try PixelImage.readPNG(fixture("palette"), channels: .gray)
        let expected = palette.image.converted(toChannels: 1)
        XCTAssertEqual(asGray.channels, 1)
        for (a, b) in zip(asGray.pixels, expected.pixels) { XCTAssertEqual(Int(a), Int(b), accuracy: 1) }

        let texts = try PNG.read(fixture("gray_text")).text
        XCTAssertEqual(texts, [PNGText("Software", "Pillow"), PNGText("Comment", "grüße")])
    }

    func testDamagedAndForeignFilesAreClearErrors() throws {
        let dir = TestFolder()
        try randomImage(32, 32, 3, seed: 3).writePNG(to: dir.file("good.png"))
        let good = dir.bytes("good.png")
        XCTAssertEqual(driftError { try PNG.read(dir.file("none.png")) }, .fileNotFound(path: dir.file("none.png")))
        XCTAssertEqual(driftError { try PNG.read(dir.path) }, .isDirectory(path: dir.path))
        dir.write([], to: "empty.png")
        XCTAssertEqual(driftError { try PNG.read(dir.file("empty.png")) }?.description, "not a PNG file: \(dir.file("empty.png")) (empty file)")
        dir.write(Array("GIF89a....".utf8), to: "gif.png")
        XCTAssertEqual(driftError { try PNG.read(dir.file("gif.png")) }?.description, "not a PNG file: \(dir.file("gif.png"))")
        for keep in [8, 20, 60, good.count / 2, good.count - 13] {
            dir.write(Array(good.prefix(keep)), to: "cut.png")
            let e = driftError { try PNG.read(dir.file("cut.png")) }
            guard case .damaged? = e else { XCTFail("cut at \(keep): \(String(describing: e))"); continue }
        }
        var flipped = good
        flipped[good.count / 2] ^= 0x04   // inside IDAT: the chunk CRC no longer matches
        dir.write(flipped, to: "flip.png")
        let flipError = driftError { try PNG.read(dir.file("flip.png")) }?.description ?? ""
        XCTAssertTrue(flipError.hasPrefix("file is truncated or damaged: \(dir.file("flip.png")) (IDAT: "), flipError)
        var rng = SplitMix(seed: 5)
        for _ in 0..<200 {   // never a crash
            var bytes = good
            for _ in 0..<4 { bytes[Int.random(in: 8..<bytes.count, using: &rng)] ^= UInt8.random(in: 1...255, using: &rng) }
            dir.write(bytes, to: "fuzz.png")
            _ = try? PNG.read(dir.file("fuzz.png"))
        }
    }

    func testInvalidTextKeysAndUnwritableFoldersAreRejected() throws {
        let dir = TestFolder()
        let img = randomImage(2, 2, 1, seed: 1)
        for key in ["", String(repeating: "k", count: 80), " lead", "ü"] {
            let e = driftError { try img.writePNG(to: dir.file("k.png"), text: [PNGText(key, "v")]) }
            guard case .invalidArgument? = e else { XCTFail("key '\(key)': \(String(describing: e))"); continue }
        }
        XCTAssertEqual(dir.entries, [])
        let e = driftError { try img.writePNG(to: dir.file("no/such/folder.png")) }
        guard case .cannotWrite? = e else { return XCTFail(String(describing: e)) }
    }

    func testTensorConversionQuantizesAndClamps() {
        let t = Tensor([-1, 0, 1, -3, 7, .nan], shape: [1, 2, 3])
        let img = PixelImage(tensor: t)
        XCTAssertEqual(img.pixels, [0, 128, 255, 0, 255, 0])
        let rgb = randomImage(4, 3, 3, seed: 4)
        let back = PixelImage(tensor: rgb.tensor(range: 0...1), range: 0...1)
        XCTAssertEqual(back, rgb)
        XCTAssertEqual(rgb.tensor().shape, [3, 3, 4])
        XCTAssertEqual(rgb.tensor().scalars[0], Float(rgb[0, 0, 0]) / 127.5 - 1, accuracy: 1e-6)
    }
}
