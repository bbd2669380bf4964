import DriftIO
import TensorCore
import XCTest
@testable import Plotting

/// Scatter and line plots: points land where the axes say, ticks are nice numbers.
final class PlotTests: XCTestCase {
    private let white: [UInt8] = [255, 255, 255]
    private func rgb(_ img: PixelImage, _ x: Int, _ y: Int) -> [UInt8] { (0..<3).map { img[x, y, $0] } }

    func testNiceTicksAndLabels() {
        XCTAssertEqual(niceTicks(0...1).values, [0, 0.2, 0.4, 0.6000000000000001, 0.8, 1])
        XCTAssertEqual(niceTicks(-4...4).values, [-4, -2, 0, 2, 4])
        XCTAssertEqual(niceTicks(3...3).values, [3])
        XCTAssertEqual(tickLabel(0.6000000000000001, step: 0.2), "0.6")
        XCTAssertEqual(tickLabel(-2, step: 2), "-2")
        XCTAssertEqual(tickLabel(1e-4, step: 1e-4), "1e-4")
        XCTAssertEqual(tickLabel(250000, step: 50000), "2.5e5")
        XCTAssertEqual(tickLabel(0, step: 0.5), "0")
    }

    func testDigitFontDrawsEveryGlyph() {
        var c = Canvas(width: 100, height: 10)
        c.text("0123456789-+.e", x: 1, y: 1)
        XCTAssertEqual(Canvas.textWidth("0123456789-+.e"), 83)
        let dark = (0..<100).filter { x in (0..<10).contains { y in c.image[x, y, 0] == 0 } }
        XCTAssertEqual(dark.first, 1)
        XCTAssertLessThanOrEqual(dark.last ?? 0, 83)
        XCTAssertGreaterThan(dark.count, 50)
    }

    func testDensityPlotColorsOccupiedBinsOnly() throws {
        let plot = ScatterPlot(xRange: -2...2, yRange: -2...2, size: 100, style: .density(bins: 10))
        let pts = Tensor([0.1, 0.1, 0.15, 0.12, 1.5, -1.5, 99, 99, .nan, 0], shape: [5, 2])
        let img = plot.render(pts)
        let m = PlotAxes.margins
        XCTAssertEqual([img.width, img.height, img.channels], [m.left + 100 + m.right, m.top + 100 + m.bottom, 3])
        // Bin (5, 5) holds two points (the maximum: yellow); bin (8, 1) one point; the rest is white.
        let dense = rgb(img, m.left + 55, m.top + 100 - 55)
        let sparse = rgb(img, m.left + 85, m.top + 100 - 15)
        XCTAssertEqual(dense, [253, 231, 37])
        XCTAssertNotEqual(sparse, white)
        XCTAssertNotEqual(sparse, dense)
        XCTAssertEqual(rgb(img, m.left + 25, m.top + 25), white)
        XCTAssertEqual(rgb(ScatterPlot(size: 50).render(Tensor.zeros([0, 2])), m.left + 25, m.top + 25), white, "no points: empty plot")
    }

    func testPointPlotDrawsDisksAtTheirCoordinates() throws {
        let plot = ScatterPlot(xRange: 0...10, yRange: 0...10, size: 101, style: .points(radius: 2))
        let img = plot.render([(5, 5), (10, 0)])
        let m = PlotAxes.margins
        XCTAssertEqual(rgb(img, m.left + 50, m.top + 50), [31, 119, 180])
        XCTAssertEqual(rgb(img, m.left + 52, m.top + 50), [31, 119, 180])
        XCTAssertEqual(rgb(img, m.left + 30, m.top + 30), white)
        let dir = TestFolder()
        try plot.write(Tensor([1, 2, 3, 4], shape: [2, 2]), to: dir.file("s.png"), text: [PNGText("model", "moons")])
        XCTAssertEqual(try PNG.read(dir.file("s.png")).text("model"), "moons")
    }

    func testLinePlotDrawsSeriesInsideTheFrame() throws {
        var plot = LinePlot(width: 300, height: 200)
        plot.add(y: [1, 1, 1, 1])
        plot.add(y: [0, 2], x: [0, 3])
        let img = plot.render()
        XCTAssertEqual([img.width, img.height], [300, 200])
        let blue = (0..<200).filter { y in rgb(img, 150, y) == [31, 119, 180] }
        XCTAssertEqual(blue.count, 1, "the constant series is one horizontal line")
        let orange = (0..<300).filter { x in (0..<200).contains { rgb(img, x, $0) == [255, 127, 14] } }
        XCTAssertGreaterThan(orange.count, 150, "the diagonal spans the width")

        var log = LinePlot(width: 300, height: 200, logY: true)
        log.add(y: [1, 0.1, 0.01, .nan, 0.001, -1])
        let logImg = log.render()
        XCTAssertTrue(logImg.pixels.contains(31))
        let dir = TestFolder()
        try log.write(to: dir.file("loss.png"))
        XCTAssertEqual(try PixelImage.readPNG(dir.file("loss.png")), logImg)
        XCTAssertEqual(LinePlot().render().width, 640, "an empty plot still renders")
    }
}
