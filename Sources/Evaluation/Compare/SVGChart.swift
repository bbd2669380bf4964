import Foundation

/// A line chart as inline SVG: one series per sampler on a log₁₀ x axis (NFE or seconds) or a
/// linear one (guidance weight, ticks at the data's x values), a linear or log₁₀ y axis, solid lines with round markers for ODE samplers and dashed lines with square
/// markers for SDE samplers, error bars of ±1 standard error where a point has one, an optional
/// dotted horizontal reference line, and a legend.
struct SVGChart {
    struct Series {
        var name: String
        var stochastic: Bool
        var points: [(x: Double, y: Double)]
        /// The standard error of each point (NaN: none), drawn as a ±1 SE bar.
        var errors: [Double] = []

        func error(_ i: Int) -> Double { i < errors.count ? errors[i] : .nan }
    }

    var title: String
    var xLabel: String
    var yLabel: String
    var series: [Series]
    var reference: (label: String, y: Double)?
    /// Points to ring in black (the Pareto front of cost and metric).
    var front: [(x: Double, y: Double)] = []
    /// Log₁₀ x axis (false: linear, ticks at every x of the data).
    var logX = true
    var width = 600.0, height = 360.0

    static let colors = ["#1f77b4", "#ff7f0e", "#2ca02c", "#d62728", "#9467bd", "#8c564b", "#e377c2", "#7f7f7f", "#bcbd22", "#17becf"]

    /// The legend's width: room for its longest "name (ODE)" at ~6.3 px a character of 11-px sans-serif.
    var legendWidth: Double {
        let longest = series.map { $0.name.count + 6 }.max() ?? 0
        return Swift.max(170, 48 + 6.3 * Double(longest))
    }

    var svg: String {
        // The plot keeps its width; the picture widens for a long legend (e.g. PRESET@GRID names).
        let width = self.width - 170 + legendWidth
        let plot = (left: 64.0, top: 28.0, right: width - legendWidth, bottom: height - 44)
        let tx = { (x: Double) in self.logX ? Foundation.log10(x) : x }
        let points = series.flatMap(\.points).filter { (!logX || $0.x > 0) && $0.x.isFinite && $0.y.isFinite }
        guard !points.isEmpty else { return "<p>(no values)</p>" }
        var ys = points.map(\.y)
        if let r = reference, r.y.isFinite { ys.append(r.y) }
        for line in series {
            for (i, p) in line.points.enumerated() where p.y.isFinite && line.error(i).isFinite && line.error(i) > 0 {
                ys += [p.y + line.error(i), p.y - line.error(i)].filter { $0 > 0 || !ys.allSatisfy { $0 > 0 } }
            }
        }
        let logY = ys.allSatisfy { $0 > 0 } && (ys.max()! / ys.min()! > 30)
        let ty = { (y: Double) in logY ? Foundation.log10(y) : y }
        let xs = points.map { tx($0.x) }
        var (x0, x1) = (xs.min()!, xs.max()!)
        if x1 - x0 < 1e-9 { x0 -= 0.5; x1 += 0.5 }
        let pad = 0.04 * (x1 - x0)
        (x0, x1) = (x0 - pad, x1 + pad)
        var (y0, y1) = (ys.map(ty).min()!, ys.map(ty).max()!)
        if y1 - y0 < 1e-12 { y0 -= 0.5; y1 += 0.5 }
        let ypad = 0.06 * (y1 - y0)
        (y0, y1) = (y0 - ypad, y1 + ypad)
        if !logY && ys.allSatisfy({ $0 >= 0 }) && y0 < 0 { y0 = 0 }
        func px(_ x: Double) -> Double { plot.left + (tx(x) - x0) / (x1 - x0) * (plot.right - plot.left) }
        func py(_ y: Double) -> Double { plot.bottom - (ty(y) - y0) / (y1 - y0) * (plot.bottom - plot.top) }
        var s = "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"\(Int(width))\" height=\"\(Int(height))\" viewBox=\"0 0 \(Int(width)) \(Int(height))\" font-family=\"sans-serif\" font-size=\"11\">\n"
        s += "<text x=\"\(plot.left)\" y=\"16\" font-size=\"13\" font-weight=\"bold\">\(Self.escape(title))</text>\n"
        s += "<rect x=\"\(plot.left)\" y=\"\(plot.top)\" width=\"\(plot.right - plot.left)\" height=\"\(plot.bottom - plot.top)\" fill=\"none\" stroke=\"#888\"/>\n"
        // x ticks at 1, 2, 5 × 10^k (log axis) or at the data's x values (linear axis).
        let xTicks: [Double] = logX
            ? (Int(Foundation.floor(x0))...Int(Foundation.ceil(x1))).flatMap { e in [1.0, 2.0, 5.0].map { $0 * Foundation.pow(10, Double(e)) } }
            : Array(Set(points.map(\.x))).sorted()
        for v in xTicks where tx(v) >= x0 && tx(v) <= x1 {
            let x = px(v)
            s += "<line x1=\"\(f(x))\" y1=\"\(plot.top)\" x2=\"\(f(x))\" y2=\"\(plot.bottom)\" stroke=\"#eee\"/>"
            s += "<text x=\"\(f(x))\" y=\"\(plot.bottom + 14)\" text-anchor=\"middle\">\(Self.tick(v))</text>\n"
        }
        // y ticks: five levels (decades on a log axis).
        let yTicks: [Double] = logY
            ? (Int(Foundation.ceil(y0))...Swift.max(Int(Foundation.ceil(y0)), Int(Foundation.floor(y1)))).map { Foundation.pow(10, Double($0)) }
            : (0...4).map { y0 + Double($0) * (y1 - y0) / 4 }
        for v in yTicks where ty(v) >= y0 - 1e-12 && ty(v) <= y1 + 1e-12 {
            let y = py(v)
            s += "<line x1=\"\(plot.left)\" y1=\"\(f(y))\" x2=\"\(plot.right)\" y2=\"\(f(y))\" stroke=\"#eee\"/>"
            s += "<text x=\"\(plot.left - 4)\" y=\"\(f(y + 4))\" text-anchor=\"end\">\(Self.tick(v))</text>\n"
        }
        s += "<text x=\"\(f((plot.left + plot.right) / 2))\" y=\"\(height - 8)\" text-anchor=\"middle\">\(Self.escape(xLabel))\(logX ? " (log scale)" : "")</text>\n"
        s += "<text transform=\"translate(14 \(f((plot.top + plot.bottom) / 2))) rotate(-90)\" text-anchor=\"middle\">\(Self.escape(yLabel))\(logY ? " (log scale)" : "")</text>\n"
        if let r = reference, r.y.isFinite, (!logY || r.y > 0) {
            let y = py(r.y)
            s += "<line x1=\"\(plot.left)\" y1=\"\(f(y))\" x2=\"\(plot.right)\" y2=\"\(f(y))\" stroke=\"#000\" stroke-dasharray=\"1 3\"/>"
            s += "<text x=\"\(plot.right - 4)\" y=\"\(f(y - 4))\" text-anchor=\"end\">\(Self.escape(r.label))</text>\n"
        }
        for (i, line) in series.enumerated() {
            let color = Self.colors[i % Self.colors.count]
            let valid = line.points.indices.map { (x: line.points[$0].x, y: line.points[$0].y, se: line.error($0)) }
                .filter { (!logX || $0.x > 0) && $0.y.isFinite && (!logY || $0.y > 0) }.sorted { $0.x < $1.x }
            guard !valid.isEmpty else { continue }
            for p in valid where p.se.isFinite && p.se > 0 {
                let x = px(p.x), hi = py(p.y + p.se)
                let lo = logY && p.y - p.se <= 0 ? plot.bottom : Swift.min(plot.bottom, py(p.y - p.se))
                s += "<line x1=\"\(f(x))\" y1=\"\(f(lo))\" x2=\"\(f(x))\" y2=\"\(f(hi))\" stroke=\"\(color)\" stroke-width=\"1\" opacity=\"0.7\"/>"
                s += "<line x1=\"\(f(x - 3))\" y1=\"\(f(hi))\" x2=\"\(f(x + 3))\" y2=\"\(f(hi))\" stroke=\"\(color)\" opacity=\"0.7\"/>"
                s += "<line x1=\"\(f(x - 3))\" y1=\"\(f(lo))\" x2=\"\(f(x + 3))\" y2=\"\(f(lo))\" stroke=\"\(color)\" opacity=\"0.7\"/>\n"
            }
            let path = valid.map { "\(f(px($0.x))),\(f(py($0.y)))" }.joined(separator: " ")
            s += "<polyline points=\"\(path)\" fill=\"none\" stroke=\"\(color)\" stroke-width=\"2\"\(line.stochastic ? " stroke-dasharray=\"6 3\"" : "")/>\n"
            for p in valid {
                let (x, y) = (px(p.x), py(p.y))
                s += line.stochastic
                    ? "<rect x=\"\(f(x - 3.5))\" y=\"\(f(y - 3.5))\" width=\"7\" height=\"7\" fill=\"\(color)\"/>"
                    : "<circle cx=\"\(f(x))\" cy=\"\(f(y))\" r=\"3.5\" fill=\"\(color)\"/>"
            }
            let ly = plot.top + 6 + Double(i) * 16
            s += "\n<line x1=\"\(plot.right + 12)\" y1=\"\(f(ly))\" x2=\"\(plot.right + 36)\" y2=\"\(f(ly))\" stroke=\"\(color)\" stroke-width=\"2\"\(line.stochastic ? " stroke-dasharray=\"6 3\"" : "")/>"
            s += "<text x=\"\(plot.right + 40)\" y=\"\(f(ly + 4))\">\(Self.escape(line.name)) (\(line.stochastic ? "SDE" : "ODE"))</text>\n"
        }
        for p in front where (!logX || p.x > 0) && p.y.isFinite && (!logY || p.y > 0) {
            s += "<circle cx=\"\(f(px(p.x)))\" cy=\"\(f(py(p.y)))\" r=\"7\" fill=\"none\" stroke=\"#000\" stroke-width=\"1.5\"/>\n"
        }
        return s + "</svg>"
    }

    func f(_ v: Double) -> String { String(format: "%.1f", v) }

    static func tick(_ v: Double) -> String {
        if v == 0 { return "0" }
        let a = Swift.abs(v)
        if a >= 1e4 || a < 1e-3 { return String(format: "%.0e", v) }
        return String(format: "%.3g", v)
    }

    static func escape(_ s: String) -> String {
        s.replacingOccurrences(of: "&", with: "&amp;").replacingOccurrences(of: "<", with: "&lt;").replacingOccurrences(of: ">", with: "&gt;")
    }
}
