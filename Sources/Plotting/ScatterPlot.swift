import DriftIO
import Foundation
import TensorCore

/// A picture of 2-D points: a density histogram or individual dots, with axes.
///
/// `.density` bins the points on a `bins × bins` grid over the axis ranges
/// and colours each non-empty bin by log(1 + count) / log(1 + max count)
/// through a viridis-like colour map (empty bins stay white), so both dense
/// modes and sparse tails stay visible. `.points` draws each point as a disk.
/// Points outside the ranges (and NaNs) are skipped.
public struct ScatterPlot: Sendable {
    public enum Style: Sendable {
        case density(bins: Int)
        case points(radius: Int)
    }

    public var xRange: ClosedRange<Float>
    public var yRange: ClosedRange<Float>
    /// Side of the (square) plot area in pixels; axes add margins around it.
    public var size: Int
    public var style: Style

    public init(xRange: ClosedRange<Float> = -4...4, yRange: ClosedRange<Float> = -4...4, size: Int = 400,
                style: Style = .density(bins: 100)) {
        precondition(xRange.upperBound > xRange.lowerBound && yRange.upperBound > yRange.lowerBound && size >= 16,
                     "ScatterPlot: empty range or size \(size) < 16")
        self.xRange = xRange
        self.yRange = yRange
        self.size = size
        self.style = style
    }

    /// Renders `[N, 2]` points (x, y per row) as an RGB image.
    public func render(_ points: Tensor) -> PixelImage {
        precondition(points.rank == 2 && points.shape[1] == 2, "ScatterPlot.render: expected [N, 2] points, got \(points.shape)")
        return points.withUnsafeBufferPointer { v in
            render(count: points.shape[0]) { (v[2 * $0], v[2 * $0 + 1]) }
        }
    }

    /// Renders points given as (x, y) pairs.
    public func render(_ points: [(Float, Float)]) -> PixelImage {
        render(count: points.count) { points[$0] }
    }

    /// Renders and writes a PNG with `text` chunks.
    public func write(_ points: Tensor, to path: String, text: [PNGText] = []) throws {
        try PNG.write(render(points), to: path, text: text)
    }

    private func render(count: Int, point: (Int) -> (Float, Float)) -> PixelImage {
        let m = PlotAxes.margins
        var canvas = Canvas(width: m.left + size + m.right, height: m.top + size + m.bottom)
        let axes = PlotAxes(left: m.left, top: m.top, width: size, height: size,
                            xRange: Double(xRange.lowerBound)...Double(xRange.upperBound),
                            yRange: Double(yRange.lowerBound)...Double(yRange.upperBound), logY: false)
        let inside = { (x: Float, y: Float) in xRange.contains(x) && yRange.contains(y) }
        switch style {
        case .density(let bins):
            precondition(bins > 0, "ScatterPlot: bins must be positive")
            var counts = [Int](repeating: 0, count: bins * bins)
            for i in 0..<count {
                let (x, y) = point(i)
                guard inside(x, y) else { continue }
                let bx = min(bins - 1, Int((x - xRange.lowerBound) / (xRange.upperBound - xRange.lowerBound) * Float(bins)))
                let by = min(bins - 1, Int((y - yRange.lowerBound) / (yRange.upperBound - yRange.lowerBound) * Float(bins)))
                counts[by * bins + bx] += 1
            }
            let top = log1p(Double(counts.max() ?? 0))
            for by in 0..<bins {
                for bx in 0..<bins where counts[by * bins + bx] > 0 {
                    let color = viridis(log1p(Double(counts[by * bins + bx])) / max(top, 1e-12))
                    let x0 = m.left + bx * size / bins, x1 = m.left + (bx + 1) * size / bins
                    let y1 = m.top + size - by * size / bins, y0 = m.top + size - (by + 1) * size / bins
                    canvas.fill(x0: x0, y0: y0, x1: max(x1, x0 + 1), y1: max(y1, y0 + 1), color)
                }
            }
        case .points(let radius):
            for i in 0..<count {
                let (x, y) = point(i)
                guard inside(x, y) else { continue }
                canvas.disk(Int(axes.px(Double(x)).rounded()), Int(axes.py(Double(y)).rounded()), radius: max(0, radius), (31, 119, 180))
            }
        }
        axes.draw(on: &canvas)
        return canvas.image
    }
}

/// A viridis-like colour map: t in [0, 1] → dark purple … yellow (5 stops, linear in between).
func viridis(_ t: Double) -> Canvas.Color {
    let stops: [(Double, Double, Double)] = [(68, 1, 84), (59, 82, 139), (33, 145, 140), (94, 201, 98), (253, 231, 37)]
    let s = min(max(t, 0), 1) * Double(stops.count - 1)
    let i = min(Int(s), stops.count - 2)
    let f = s - Double(i)
    let (a, b) = (stops[i], stops[i + 1])
    return (UInt8((a.0 + f * (b.0 - a.0)).rounded()), UInt8((a.1 + f * (b.1 - a.1)).rounded()), UInt8((a.2 + f * (b.2 - a.2)).rounded()))
}
