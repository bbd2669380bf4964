import DriftIO
import Foundation

/// A line chart for loss curves: one or more (x, y) series with axes, tick
/// marks and numeric tick labels, optionally with a logarithmic y axis.
///
/// Ranges come from the data (finite points only; on a log axis only y > 0)
/// with 5% headroom. Non-finite points break a line into pieces. Series
/// colours cycle through a fixed palette (blue, orange, green, red, purple).
public struct LinePlot: Sendable {
    public struct Series: Sendable {
        public var x: [Double]
        public var y: [Double]
        public init(x: [Double], y: [Double]) {
            precondition(x.count == y.count, "LinePlot.Series: \(x.count) x values for \(y.count) y values")
            self.x = x
            self.y = y
        }
    }

    public var series: [Series] = []
    public var width: Int
    public var height: Int
    public var logY: Bool

    public init(width: Int = 640, height: Int = 400, logY: Bool = false) {
        precondition(width >= 100 && height >= 60, "LinePlot: \(width)x\(height) is too small")
        self.width = width
        self.height = height
        self.logY = logY
    }

    /// Adds a series; `x` defaults to 0, 1, 2, … .
    public mutating func add(y: [Double], x: [Double]? = nil) {
        series.append(Series(x: x ?? y.indices.map(Double.init), y: y))
    }

    static let palette: [Canvas.Color] = [(31, 119, 180), (255, 127, 14), (44, 160, 44), (214, 39, 40), (148, 103, 189)]

    /// Renders the chart as an RGB image.
    public func render() -> PixelImage {
        let m = PlotAxes.margins
        var canvas = Canvas(width: width, height: height)
        let ty: (Double) -> Double = logY ? { $0 > 0 ? log10($0) : .nan } : { $0 }
        var xs: [Double] = [], ys: [Double] = []
        for s in series {
            for (x, y) in zip(s.x, s.y.map(ty)) where x.isFinite && y.isFinite { xs.append(x); ys.append(y) }
        }
        let axes = PlotAxes(left: m.left, top: m.top, width: width - m.left - m.right, height: height - m.top - m.bottom,
                            xRange: padded(xs), yRange: padded(ys), logY: logY)
        for (k, s) in series.enumerated() {
            let color = Self.palette[k % Self.palette.count]
            var previous: (Int, Int)?
            for (x, y) in zip(s.x, s.y.map(ty)) {
                guard x.isFinite, y.isFinite else { previous = nil; continue }
                let p = (Int(axes.px(x).rounded()), Int(axes.py(y).rounded()))
                if let q = previous { canvas.line(q.0, q.1, p.0, p.1, color) } else { canvas.set(p.0, p.1, color) }
                previous = p
            }
        }
        axes.draw(on: &canvas)
        return canvas.image
    }

    /// Renders and writes a PNG with `text` chunks.
    public func write(to path: String, text: [PNGText] = []) throws {
        try PNG.write(render(), to: path, text: text)
    }

    /// The data range with 5% headroom; [0, 1] without data, ±0.5 (or ±5%) around a constant.
    private func padded(_ v: [Double]) -> ClosedRange<Double> {
        guard let lo = v.min(), let hi = v.max() else { return 0...1 }
        if hi == lo { let d = lo == 0 ? 0.5 : abs(lo) * 0.05; return (lo - d)...(hi + d) }
        let d = (hi - lo) * 0.05
        return (lo - d)...(hi + d)
    }
}
