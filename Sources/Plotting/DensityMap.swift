import DriftIO
import Foundation

/// A heat map of a 2-D density on a square grid, with axes: cell (i, j) — column i from the left,
/// row j from the bottom — is coloured by p / max p through the viridis-like colour map, so two
/// maps of the same size compare shape for shape (each scaled to its own peak, named in `text`).
public struct DensityMap: Sendable {
    /// The grid's extent on both axes.
    public var range: ClosedRange<Float>
    /// Cells per side.
    public var cells: Int
    /// Side of the plot area in pixels; axes add margins around it.
    public var size: Int

    public init(range: ClosedRange<Float> = -3...3, cells: Int = 100, size: Int = 400) {
        precondition(range.upperBound > range.lowerBound && cells >= 2 && size >= cells,
                     "DensityMap: empty range, fewer than 2 cells or fewer pixels than cells")
        self.range = range
        self.cells = cells
        self.size = size
    }

    /// The centres of the cells as [cells², 2] rows (x, y), row-major from the bottom-left.
    public var points: [(Float, Float)] {
        let step = (range.upperBound - range.lowerBound) / Float(cells)
        return (0..<(cells * cells)).map { k in
            (range.lowerBound + (Float(k % cells) + 0.5) * step, range.lowerBound + (Float(k / cells) + 0.5) * step)
        }
    }

    /// Renders densities given at `points` (cells² values, same order; non-finite values are white).
    public func render(_ density: [Double]) -> PixelImage {
        precondition(density.count == cells * cells, "DensityMap.render: \(density.count) values for \(cells * cells) cells")
        let m = PlotAxes.margins
        var canvas = Canvas(width: m.left + size + m.right, height: m.top + size + m.bottom)
        let top = density.filter(\.isFinite).max() ?? 0
        for k in density.indices where density[k].isFinite {
            let (bx, by) = (k % cells, k / cells)
            let x0 = m.left + bx * size / cells, x1 = m.left + (bx + 1) * size / cells
            let y1 = m.top + size - by * size / cells, y0 = m.top + size - (by + 1) * size / cells
            canvas.fill(x0: x0, y0: y0, x1: max(x1, x0 + 1), y1: max(y1, y0 + 1), viridis(top > 0 ? density[k] / top : 0))
        }
        let r = Double(range.lowerBound)...Double(range.upperBound)
        PlotAxes(left: m.left, top: m.top, width: size, height: size, xRange: r, yRange: r, logY: false).draw(on: &canvas)
        return canvas.image
    }

    /// Renders and writes a PNG (atomically, through `PNG.write`) with `text` chunks.
    public func write(_ density: [Double], to path: String, text: [PNGText] = []) throws {
        try PNG.write(render(density), to: path, text: text)
    }
}
