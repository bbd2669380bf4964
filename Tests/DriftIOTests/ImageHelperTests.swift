import DriftIO
import Plotting
import TensorCore
import XCTest

/// Image grids, resizing and cropping.
final class ImageHelperTests: XCTestCase {
    func testGridPlacesEachImageInItsCell() {
        // Three 2×2 gray images with values -1, 0, 1 → bytes 0, 128, 255.
        let t = Tensor([Float](repeating: -1, count: 4) + [Float](repeating: 0, count: 4) + [Float](repeating: 1, count: 4),
                       shape: [3, 1, 2, 2])
        let g = ImageGrid.make(t, nrow: 2, padding: 1)
        XCTAssertEqual([g.width, g.height, g.channels], [7, 7, 1])
        XCTAssertEqual(g[1, 1, 0], 0)
        XCTAssertEqual(g[2, 2, 0], 0)
        XCTAssertEqual(g[4, 1, 0], 128)
        XCTAssertEqual(g[1, 4, 0], 255)
        XCTAssertEqual(g[4, 4, 0], 255, "the empty fourth cell is background")
        XCTAssertEqual(g[0, 0, 0], 255)
        XCTAssertEqual(g[3, 1, 0], 255, "padding between cells")
        let big = ImageGrid.make(t, nrow: 8, padding: 0, scale: 3)
        XCTAssertEqual([big.width, big.height], [18, 6], "nrow larger than N uses N columns")
        XCTAssertEqual(big[8, 5, 0], 128)
    }

    func testGridOfRGBImagesWritesAPNG() throws {
        let dir = TestFolder()
        let t = Tensor.randomUniform([5, 3, 4, 4], key: RandomKey(seed: 1)).affine(scale: 2, shift: -1)
        try ImageGrid.write(t, to: dir.file("grid.png"), nrow: 3, text: [PNGText("seed", "1")])
        let back = try PNG.read(dir.file("grid.png"))
        XCTAssertEqual(back.image, ImageGrid.make(t, nrow: 3))
        XCTAssertEqual([back.image.width, back.image.height, back.image.channels], [3 * 6 + 2, 2 * 6 + 2, 3])
        XCTAssertEqual(back.text("seed"), "1")
    }

    func testBilinearMatchesHalfPixelInterpolation() {
        let row = PixelImage(width: 2, height: 1, channels: 1, pixels: [0, 255])
        XCTAssertEqual(row.resized(width: 4, height: 1, filter: .bilinear).pixels, [0, 64, 191, 255])
        let flat = PixelImage(width: 7, height: 5, channels: 3, fill: [10, 20, 30])
        XCTAssertEqual(flat.resized(width: 3, height: 11, filter: .bilinear), PixelImage(width: 3, height: 11, channels: 3, fill: [10, 20, 30]))
    }

    func testAreaAveragesExactlyTheCoveredPixels() {
        let img = PixelImage(width: 4, height: 2, channels: 1, pixels: [0, 100, 200, 40,
                                                                         20, 60, 0, 0])
        XCTAssertEqual(img.resized(width: 2, height: 1, filter: .area).pixels, [45, 60])
        // 3 → 2: the middle pixel is split half and half.
        let three = PixelImage(width: 3, height: 1, channels: 1, pixels: [0, 90, 180])
        XCTAssertEqual(three.resized(width: 2, height: 1, filter: .area).pixels, [30, 150])
    }

    func testCenterCropAndFill() {
        let img = PixelImage(width: 4, height: 3, channels: 1, pixels: Array(0..<12))
        XCTAssertEqual(img.centerCropped(width: 2, height: 1).pixels, [5, 6])
        let wide = PixelImage(width: 40, height: 20, channels: 3, pixels: (0..<2400).map { UInt8(($0 / 3) % 40 * 6) })
        let filled = wide.resizedToFill(width: 10, height: 10)
        XCTAssertEqual([filled.width, filled.height, filled.channels], [10, 10, 3])
        // 40×20 → 20×10 (area: pairs of columns averaged), then the middle 10 columns: source columns 10…29.
        let expected: [UInt8] = (0..<10).map { i in
            let left = 6 * (10 + 2 * i), right = 6 * (11 + 2 * i)
            return UInt8((left + right) / 2)
        }
        XCTAssertEqual((0..<10).map { filled[$0, 0, 0] }, expected)
        let tiny = PixelImage(width: 2, height: 3, channels: 1, fill: [9])
        XCTAssertEqual(tiny.resizedToFill(width: 8, height: 8), PixelImage(width: 8, height: 8, channels: 1, fill: [9]))
    }
}
