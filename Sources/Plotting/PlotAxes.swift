import Foundation

/// The plotting rectangle of a chart and the map from data to pixels,
/// with a frame, tick marks and numeric tick labels around it.
struct PlotAxes {
    /// Plot rectangle in pixels: [left, left + width) × [top, top + height).
    let left: Int, top: Int, width: Int, height: Int
    let xRange: ClosedRange<Double>
    /// In log10 units when `logY`.
    let yRange: ClosedRange<Double>
    let logY: Bool

    /// Margins around the plot rectangle (left fits 8 label characters).
    static let margins = (left: 56, right: 16, top: 12, bottom: 24)

    /// Column of data x (fractional).
    func px(_ x: Double) -> Double {
        Double(left) + (x - xRange.lowerBound) / span(xRange) * Double(width - 1)
    }

    /// Row of data y (fractional; y grows upwards). For log axes pass log10(y).
    func py(_ y: Double) -> Double {
        Double(top + height - 1) - (y - yRange.lowerBound) / span(yRange) * Double(height - 1)
    }

    private func span(_ r: ClosedRange<Double>) -> Double { max(r.upperBound - r.lowerBound, 1e-300) }

    /// Frame, outward tick marks and labels (powers of ten on a log axis).
    func draw(on canvas: inout Canvas) {
        let gray: Canvas.Color = (90, 90, 90)
        let right = left + width - 1, bottom = top + height - 1
        canvas.line(left, top, right, top, gray)
        canvas.line(left, bottom, right, bottom, gray)
        canvas.line(left, top, left, bottom, gray)
        canvas.line(right, top, right, bottom, gray)
        let xt = niceTicks(xRange)
        for v in xt.values {
            let x = Int(px(v).rounded())
            canvas.line(x, bottom + 1, x, bottom + 4, gray)
            canvas.text(tickLabel(v, step: xt.step), x: x, y: bottom + 7, anchor: .center)
        }
        let yt: (values: [Double], step: Double) = logY
            ? (Array(Int(yRange.lowerBound.rounded(.up))...max(Int(yRange.lowerBound.rounded(.up)), Int(yRange.upperBound.rounded(.down))))
                .map(Double.init), 1)
            : niceTicks(yRange)
        for v in yt.values where yRange.contains(v) {
            let y = Int(py(v).rounded())
            canvas.line(left - 4, y, left - 1, y, gray)
            let label = logY ? tickLabel(pow(10, v), step: pow(10, v)) : tickLabel(v, step: yt.step)
            canvas.text(label, x: left - 7, y: y - 3, anchor: .right)
        }
    }
}

/// "Nice" tick positions (1, 2 or 5 × 10^k apart), about `target` of them inside `range`.
func niceTicks(_ range: ClosedRange<Double>, target: Int = 6) -> (values: [Double], step: Double) {
    let span = range.upperBound - range.lowerBound
    guard span > 0, span.isFinite else { return ([range.lowerBound], 1) }
    let raw = span / Double(max(target - 1, 1))
    let magnitude = pow(10, (log10(raw)).rounded(.down))
    let step = [1.0, 2, 5, 10].map { $0 * magnitude }.first { $0 >= raw } ?? 10 * magnitude
    let first = (range.lowerBound / step).rounded(.up)
    let last = (range.upperBound / step).rounded(.down)
    guard last >= first, last - first < 1000 else { return ([range.lowerBound], step) }
    return (stride(from: first, through: last, by: 1).map { $0 * step }, step)
}

/// A short label for a tick: as many decimals as `step` needs, or `1e-4` style
/// for very large or small magnitudes.
func tickLabel(_ v: Double, step: Double) -> String {
    if v == 0 { return "0" }
    let a = abs(v)
    if a >= 1e5 || a < 1e-3 {
        let exponent = Int(log10(a).rounded(.down))
        let mantissa = v / pow(10, Double(exponent))
        let m = abs(mantissa - mantissa.rounded()) < 1e-6 ? String(Int(mantissa.rounded())) : String(format: "%.1f", mantissa)
        return "\(m)e\(exponent)"
    }
    let decimals = max(0, Int((-log10(step)).rounded(.up)))
    return String(format: "%.\(decimals)f", v)
}
