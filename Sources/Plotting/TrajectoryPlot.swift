import DriftIO

/// A picture of 2-D trajectories: each path a polyline through its saved states, its start marked
/// with a small disk and its end with a larger one, over axes like `ScatterPlot`'s.
public struct TrajectoryPlot: Sendable {
    public var xRange: ClosedRange<Float>
    public var yRange: ClosedRange<Float>
    public var size: Int

    public init(xRange: ClosedRange<Float>, yRange: ClosedRange<Float>, size: Int = 360) {
        precondition(xRange.upperBound > xRange.lowerBound && yRange.upperBound > yRange.lowerBound && size >= 16,
                     "TrajectoryPlot: empty range or size \(size) < 16")
        self.xRange = xRange
        self.yRange = yRange
        self.size = size
    }

    /// Renders paths, each a list of (x, y) points in order; path i gets colour i of a fixed palette.
    public func render(_ paths: [[(Float, Float)]]) -> PixelImage {
        let m = PlotAxes.margins
        var canvas = Canvas(width: m.left + size + m.right, height: m.top + size + m.bottom)
        let axes = PlotAxes(left: m.left, top: m.top, width: size, height: size,
                            xRange: Double(xRange.lowerBound)...Double(xRange.upperBound),
                            yRange: Double(yRange.lowerBound)...Double(yRange.upperBound), logY: false)
        func pixel(_ p: (Float, Float)) -> (Int, Int)? {
            guard p.0.isFinite, p.1.isFinite else { return nil }
            let x = axes.px(Double(p.0)), y = axes.py(Double(p.1))
            guard Swift.abs(x) < 1e5, Swift.abs(y) < 1e5 else { return nil }
            return (Int(x.rounded()), Int(y.rounded()))
        }
        for (i, path) in paths.enumerated() {
            let color = Self.palette[i % Self.palette.count]
            let points = path.compactMap(pixel)
            for (a, b) in zip(points, points.dropFirst()) { canvas.line(a.0, a.1, b.0, b.1, color) }
            if let first = points.first { canvas.disk(first.0, first.1, radius: 2, color) }
            if let last = points.last { canvas.disk(last.0, last.1, radius: 3, color) }
        }
        axes.draw(on: &canvas)
        return canvas.image
    }

    /// Ten distinguishable colours (the "tab10" hues).
    static let palette: [Canvas.Color] = [(31, 119, 180), (255, 127, 14), (44, 160, 44), (214, 39, 40), (148, 103, 189),
                                          (140, 86, 75), (227, 119, 194), (127, 127, 127), (188, 189, 34), (23, 190, 207)]
}
