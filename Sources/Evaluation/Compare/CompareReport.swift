import DriftIO
import Foundation
import Plotting
import TensorCore

/// Trajectories of a few samples under one sampler, for the 2-D picture.
public struct TrajectorySet {
    public var samplerName: String
    public var stochastic: Bool
    /// One path per sample: its saved (x, y) states in time order.
    public var paths: [[(Float, Float)]]
    public init(samplerName: String, stochastic: Bool, paths: [[(Float, Float)]]) {
        self.samplerName = samplerName
        self.stochastic = stochastic
        self.paths = paths
    }
}

/// Writes a comparison's files into a folder: `results.csv`, `cells/SAMPLER-nfeN.png` (one picture
/// per cell: a density plot of 2-D samples on common axes, or a 4×4 grid of the first images),
/// `grid.png` (the cells tiled, rows = samplers in order, columns = budgets ascending),
/// `trajectories.png` (2-D: one panel per trajectory set), for a guidance sweep `guidance.csv`,
/// `guidance/SAMPLER[-VARIANT]-wW.png` and `guidance-grid.png` (rows = samplers × guidance variants,
/// columns = guidance weights),
/// and a self-contained `report.html` (inline SVG charts, the cell pictures as data URIs, the
/// tables, the command).
public struct CompareReport {
    public var results: CompareResults
    public var sampleShape: [Int]
    public var command: String
    public var modelDescription: String
    public var count: Int
    public var seed: UInt64
    public var trajectories: [TrajectorySet]
    /// Points that set the axes of 2-D pictures (exact samples when available).
    public var extentSamples: Tensor?
    /// The guidance sweep (cells at one budget, one per sampler, weight and guidance variant), if run.
    public var guidance: CompareResults?
    /// The autoguidance guide, as the report names it (nil: none in the sweep).
    public var guideDescription: String?
    /// Where each distilled student's row pays for itself (`CompareResults.payoffs`; empty without students).
    public var payoffs: [Payoff]

    public init(results: CompareResults, sampleShape: [Int], command: String, modelDescription: String, count: Int,
                seed: UInt64, trajectories: [TrajectorySet], extentSamples: Tensor?, guidance: CompareResults? = nil,
                guideDescription: String? = nil, payoffs: [Payoff] = []) {
        self.results = results
        self.payoffs = payoffs
        self.guidance = guidance
        self.guideDescription = guideDescription
        self.sampleShape = sampleShape
        self.command = command
        self.modelDescription = modelDescription
        self.count = count
        self.seed = seed
        self.trajectories = trajectories
        self.extentSamples = extentSamples
    }

    /// Half-width of the 2-D axes: 1.3 × the 99.5th percentile of |coordinate|, up to a half unit.
    var extent: Float {
        let source = extentSamples ?? results.cells.first?.samples
        let values = (source?.scalars ?? []).filter(\.isFinite).map { Swift.abs($0) }.sorted()
        guard !values.isEmpty else { return 4 }
        let top = values[Swift.min(values.count - 1, Int(Double(values.count) * 0.995))]
        return Swift.max(1, (top * 1.3 * 2).rounded(.up) / 2)
    }

    func picture(_ samples: Tensor, columns: Int = 4) -> PixelImage? {
        if sampleShape.count == 1 && sampleShape[0] >= 2 {
            let n = samples.shape[0], d = sampleShape[0], v = samples.scalars
            let r = extent
            return ScatterPlot(xRange: -r...r, yRange: -r...r, size: 180, style: .density(bins: 72))
                .render((0..<n).map { (v[$0 * d], v[$0 * d + 1]) })
        }
        if sampleShape.count == 3 && (sampleShape[0] == 1 || sampleShape[0] == 3) {
            let n = Swift.min(columns * columns, samples.shape[0]), per = samples.count / samples.shape[0]
            let first = Tensor(Array(samples.scalars.prefix(n * per)), shape: [n] + sampleShape)
            return ImageGrid.make(first, nrow: columns, scale: sampleShape[1] <= 32 ? 2 : 1)
        }
        return nil
    }

    static func fileName(_ sampler: String, _ budget: Int) -> String {
        let safe = sampler.map { $0.isLetter || $0.isNumber || $0 == "-" || $0 == "_" || $0 == "." ? $0 : "_" }
        return "\(String(safe))-nfe\(budget).png"
    }

    /// Writes every file into `folder` (which must exist and be empty).
    public func write(to folder: URL) throws {
        try results.csv.write(to: folder.appendingPathComponent("results.csv"), atomically: true, encoding: .utf8)
        if !results.cells.isEmpty {
            try results.winnersCSV.write(to: folder.appendingPathComponent("winners.csv"), atomically: true, encoding: .utf8)
            try results.pairedCSV.write(to: folder.appendingPathComponent("paired.csv"), atomically: true, encoding: .utf8)
            try results.paretoCSV.write(to: folder.appendingPathComponent("pareto.csv"), atomically: true, encoding: .utf8)
        }
        if !payoffs.isEmpty { try payoffs.csv.write(to: folder.appendingPathComponent("payoff.csv"), atomically: true, encoding: .utf8) }
        let cellsFolder = folder.appendingPathComponent("cells")
        try FileManager.default.createDirectory(at: cellsFolder, withIntermediateDirectories: true)
        var images = [String: PixelImage]()
        var encoded = [String: String]()
        for c in results.cells {
            guard let image = picture(c.samples) else { continue }
            let name = Self.fileName(c.samplerName, c.requestedNFE)
            let file = cellsFolder.appendingPathComponent(name)
            try PNG.write(image, to: file.path, text: [PNGText("sampler", c.samplerName), PNGText("nfe", "\(c.nfe)")])
            images[name] = image
            encoded[name] = try Data(contentsOf: file).base64EncodedString()
        }
        if !images.isEmpty {
            let rows = results.samplerNames.map { s in results.budgets.map { images[Self.fileName(s, $0)] } }
            try PNG.write(PixelImage.mosaic(rows), to: folder.appendingPathComponent("grid.png").path)
        }
        var trajectoryData: String?
        if !trajectories.isEmpty {
            let r = extent
            let panels = trajectories.map { TrajectoryPlot(xRange: -r...r, yRange: -r...r, size: 320).render($0.paths) }
            let file = folder.appendingPathComponent("trajectories.png")
            try PNG.write(PixelImage.mosaic([panels], padding: 8), to: file.path)
            trajectoryData = try Data(contentsOf: file).base64EncodedString()
        }
        var guidanceImages = [String: String]()
        if let guidance {
            try guidance.csv.write(to: folder.appendingPathComponent("guidance.csv"), atomically: true, encoding: .utf8)
            let sub = folder.appendingPathComponent("guidance")
            try FileManager.default.createDirectory(at: sub, withIntermediateDirectories: true)
            var pictures = [String: PixelImage]()
            for c in guidance.cells {
                // One column per class (samples are drawn for the classes in turn): 10 columns, 3 rows.
                guard let w = c.guidance, let image = picture(c.samples.rows(0..<Swift.min(30, c.samples.shape[0])), columns: 10) else { continue }
                let name = Self.guidanceFileName(c.samplerName, w, variant: c.guidanceLabel)
                let file = sub.appendingPathComponent(name)
                try PNG.write(image, to: file.path, text: [PNGText("sampler", c.samplerName), PNGText("guidance", "\(w)"),
                                                           PNGText("guide", c.guidanceLabel)])
                pictures[name] = image
                guidanceImages[name] = try Data(contentsOf: file).base64EncodedString()
            }
            if !pictures.isEmpty {
                let rows = guidanceRows.map { s, v in guidanceWeights.map { pictures[Self.guidanceFileName(s, $0, variant: $0 == 0 ? "none" : v)] } }
                try PNG.write(PixelImage.mosaic(rows), to: folder.appendingPathComponent("guidance-grid.png").path)
            }
        }
        try html(cellImages: encoded, trajectories: trajectoryData, guidanceImages: guidanceImages)
            .write(to: folder.appendingPathComponent("report.html"), atomically: true, encoding: .utf8)
    }

    /// The guidance weights of the guidance sweep, ascending.
    var guidanceWeights: [Double] { Array(Set(guidance?.cells.compactMap(\.guidance) ?? [])).sorted() }

    /// The guidance variants of the sweep in order of appearance ("cfg", "auto", with intervals; not "none").
    var guidanceVariants: [String] {
        var seen = [String]()
        for c in guidance?.cells ?? [] where c.guidanceLabel != "none" && !seen.contains(c.guidanceLabel) { seen.append(c.guidanceLabel) }
        return seen.isEmpty ? ["none"] : seen
    }

    /// The rows of the guidance pictures and the lines of its charts: every sampler under every variant.
    var guidanceRows: [(sampler: String, variant: String)] {
        (guidance?.samplerNames ?? []).flatMap { s in guidanceVariants.map { (s, $0) } }
    }

    /// SAMPLER-wW.png for classifier-free guidance at every noise level and for w = 0 (as before
    /// variants existed), SAMPLER-VARIANT-wW.png for the others ("auto", "cfg-0.28-5.42", …).
    static func guidanceFileName(_ sampler: String, _ w: Double, variant: String = "cfg") -> String {
        let tag = variant == "cfg" || variant == "none" ? ""
            : "-" + variant.replacingOccurrences(of: " σ∈[", with: "-").replacingOccurrences(of: ", ", with: "-").replacingOccurrences(of: "]", with: "")
        return fileName(sampler + tag, 0).replacingOccurrences(of: "-nfe0.png", with: "-w\(CompareResults.format(w)).png")
    }

    /// The guidance section: each metric against w (one line per sampler and variant), the samples, the table.
    func guidanceHTML(_ g: CompareResults, images: [String: String]) -> String {
        let e = SVGChart.escape
        let budget = g.budgets.last ?? 0
        let variants = guidanceVariants, several = variants.count > 1
        var h = "<h2>Guidance sweep: guidance weight w at NFE ≤ \(budget)</h2>\n"
        h += "<p>Sample i is drawn for class i mod the class count (unconditionally for an unconditional model, or through the null class with --unconditional), from the same "
        h += "noise at every w (w = 0: plain sampling, shared by every line). cfg: classifier-free guidance, (1 + w)·f(x, c) − w·f(x, ∅), "
        h += "one network pass on a doubled batch. auto: autoguidance, (1 + w)·f(x, c) − w·f_guide(x, c)"
        h += guideDescription.map { " with the guide \(e($0))" } ?? ""
        h += ", the model then the guide. A guided evaluation costs two network passes, so a cell costs twice the network work of "
        h += "an unguided cell at the same NFE; with an interval σ∈[lo, hi] only evaluations whose noise level σ/α lies in it are guided "
        h += "(column network_nfe: the passes per sample). Dotted line: the same metric for as many training images (with their labels).</p>\n"
        h += "<div class=\"charts\">\n"
        for m in g.metrics {
            let series: [SVGChart.Series] = guidanceRows.compactMap { name, variant in
                let cells = g.cells.filter {
                    $0.samplerName == name && $0.metrics[m] != nil && $0.guidance != nil && ($0.guidanceLabel == variant || $0.guidanceLabel == "none")
                }
                guard let first = cells.first else { return nil }
                return SVGChart.Series(name: several ? "\(g.legend(name)) · \(variant)" : g.legend(name), stochastic: first.isStochastic,
                                       points: cells.map { ($0.guidance!, $0.metrics[m]!.value) },
                                       errors: cells.map { $0.metrics[m]!.standardError })
            }
            let floor = g.reference[m].map { (label: "training images", y: $0.value) }
            h += SVGChart(title: m.label + " vs guidance", xLabel: "guidance weight w", yLabel: m.column, series: series,
                          reference: floor, logX: false).svg + "\n"
        }
        h += "</div>\n"
        if !images.isEmpty {
            h += "<h3>Samples (rows: samplers\(several ? " and guidance variants" : ""); columns: guidance weight; within a picture, one column per class)</h3>\n<table class=\"grid\"><tr><th></th>"
            h += guidanceWeights.map { "<th>w = \(CompareResults.format($0))</th>" }.joined() + "</tr>\n"
            for (name, variant) in guidanceRows {
                h += "<tr><td class=\"name\"><b>\(e(name))</b>\(several ? "<br>" + e(variant) : "")</td>"
                for w in guidanceWeights {
                    h += images[Self.guidanceFileName(name, w, variant: w == 0 ? "none" : variant)]
                        .map { "<td><img src=\"data:image/png;base64,\($0)\" width=\"300\"></td>" } ?? "<td>—</td>"
                }
                h += "</tr>\n"
            }
            h += "</table>\n"
        }
        h += Self.table(g.csv)
        return h
    }

    /// A CSV as an HTML table (the first two columns as names).
    static func table(_ csv: String) -> String {
        let e = SVGChart.escape
        var h = "<table>\n"
        let lines = csv.split(separator: "\n").map { $0.split(separator: ",", omittingEmptySubsequences: false).map(String.init) }
        if let header = lines.first { h += "<tr>" + header.map { "<th>\(e($0))</th>" }.joined() + "</tr>\n" }
        for row in lines.dropFirst() {
            h += "<tr>" + row.enumerated().map { $0.offset < 2 ? "<td class=\"name\">\(e($0.element))</td>" : "<td>\(e($0.element))</td>" }.joined() + "</tr>\n"
        }
        return h + "</table>\n"
    }

    func html(cellImages: [String: String], trajectories trajectoryData: String?, guidanceImages: [String: String] = [:]) -> String {
        let e = SVGChart.escape
        var h = """
            <!DOCTYPE html>
            <html><head><meta charset="utf-8"><title>drift compare</title>
            <style>
            body { font-family: sans-serif; margin: 24px; color: #222; max-width: 1400px; }
            table { border-collapse: collapse; font-size: 12px; }
            td, th { border: 1px solid #ccc; padding: 3px 6px; text-align: right; }
            th { background: #f3f3f3; } td.name { text-align: left; }
            .charts { display: flex; flex-wrap: wrap; gap: 12px; }
            .grid td { text-align: center; vertical-align: top; }
            code { background: #f3f3f3; padding: 2px 4px; }
            </style></head><body>
            <h1>drift compare</h1>
            <p>Model: <code>\(e(modelDescription))</code></p>
            <p>Command: <code>\(e(command))</code></p>
            <p>\(count) samples per cell, seed \(seed): every cell starts from the same initial noise and its stochastic
            samplers see the same Brownian motion (common random numbers). ODE samplers: solid lines, round markers;
            SDE samplers: dashed lines, square markers. Bars: ±1 standard error (bootstrap over samples, or analytic). Black rings: the Pareto front (no other cell is both cheaper and better; pareto.csv). Dotted line: the same metric between two independent sets of
            exact samples of the same size (the estimator's floor), or for images between as many other real images
            (training images, or a second draw of the --data folder) and the real images (the data's floor). Wall time is of one run of the cell on this machine.</p>

            """
        for m in results.metrics {
            func series(_ x: (CompareCell) -> Double) -> [SVGChart.Series] {
                results.samplerNames.compactMap { name in
                    let cells = results.cells.filter { $0.samplerName == name && $0.metrics[m] != nil }
                    guard let first = cells.first else { return nil }
                    return SVGChart.Series(name: results.legend(name), stochastic: first.isStochastic, points: cells.map { (x($0), $0.metrics[m]!.value) },
                                           errors: cells.map { $0.metrics[m]!.standardError })
                }
            }
            let floor = results.reference[m].map { (label: results.referenceName.replacingOccurrences(of: "-", with: " "), y: $0.value) }
            var byNFE = SVGChart(title: m.label + " vs NFE", xLabel: "NFE", yLabel: m.column, series: series { Double($0.nfe) }, reference: floor)
            byNFE.front = results.paretoFront(m, by: .nfe).map { (Double($0.nfe), $0.metrics[m]!.value) }
            var byTime = SVGChart(title: m.label + " vs wall time", xLabel: "seconds", yLabel: m.column,
                                  series: series { Swift.max($0.seconds, 1e-6) }, reference: floor)
            byTime.front = results.paretoFront(m, by: .seconds).map { (Swift.max($0.seconds, 1e-6), $0.metrics[m]!.value) }
            h += "<h2>\(e(m.label))</h2>\n<div class=\"charts\">\n\(byNFE.svg)\n\(byTime.svg)\n</div>\n"
        }
        if !cellImages.isEmpty {
            h += "<h2>Samples (rows: samplers; columns: NFE budgets; the same noise in every cell)</h2>\n<table class=\"grid\"><tr><th></th>"
            h += results.budgets.map { "<th>NFE ≤ \($0)</th>" }.joined() + "</tr>\n"
            for name in results.samplerNames {
                let kind = results.cells.first { $0.samplerName == name }.map { $0.isStochastic ? "SDE" : "ODE" } ?? ""
                h += "<tr><td class=\"name\"><b>\(e(name))</b><br>\(kind)\(results.gridNames[name].map { ", grid " + e($0) } ?? "")</td>"
                for b in results.budgets {
                    if let c = results.cells.first(where: { $0.samplerName == name && $0.requestedNFE == b }),
                       let data = cellImages[Self.fileName(name, b)] {
                        h += "<td><img src=\"data:image/png;base64,\(data)\" width=\"160\"><br>NFE \(c.nfe)</td>"
                    } else {
                        h += "<td>—</td>"
                    }
                }
                h += "</tr>\n"
            }
            h += "</table>\n"
        }
        if let trajectoryData {
            let names = trajectories.map { "\(e($0.samplerName)) (\($0.stochastic ? "SDE" : "ODE"))" }.joined(separator: " | ")
            h += "<h2>Trajectories from the same starting points</h2>\n<p>\(names): small dot at the start (t near 1), large dot at the end.</p>\n"
            h += "<img src=\"data:image/png;base64,\(trajectoryData)\">\n"
        }
        if let guidance { h += guidanceHTML(guidance, images: guidanceImages) }
        h += winnersHTML
        h += payoffHTML
        h += "<h2>Results</h2>\n" + Self.table(results.csv)
        if !results.skipped.isEmpty {
            h += "<h2>Cells not run</h2>\n<ul>\n" + results.skipped.map { "<li>\(e($0.samplerName)) at NFE ≤ \($0.requestedNFE): \(e($0.reason))</li>" }.joined(separator: "\n") + "\n</ul>\n"
        }
        return h + "</body></html>\n"
    }
}

extension CompareReport {
    /// The best sampler per budget and metric, and the samplers that cannot be told apart from it
    /// (paired 95% intervals of the difference, from the bootstrap on common resamples).
    var winnersHTML: String {
        let winners = results.winners
        guard !winners.isEmpty, results.cells.contains(where: { !$0.replicates.isEmpty }) else { return "" }
        let e = SVGChart.escape
        var h = "<h2>Best sampler per budget</h2>\n"
        h += "<p>For each budget and metric, the best sampler (value ± bootstrap SE) and those whose difference to it has a paired 95% "
        h += "interval reaching 0: they cannot be told apart at this N. The cells share their noise, so the bootstrap resamples the same "
        h += "sample indices in every cell and the difference's own spread is used"
        if let r = results.medianWidthRatio {
            h += String(format: "; paired intervals are %.2f× the width of unpaired ones (median over every difference)", r)
        }
        h += ". Details: <code>paired.csv</code>.</p>\n<table>\n<tr><th>NFE</th><th>metric</th><th>best</th><th>value ± SE</th><th>cannot be told apart</th></tr>\n"
        for w in winners {
            let se = w.standardError.isNaN ? "" : String(format: " ± %.4g", w.standardError)
            h += "<tr><td>\(w.budget)</td><td class=\"name\">\(e(w.metric.column))</td><td class=\"name\">\(e(w.best))</td>"
            h += "<td>\(String(format: "%.4g", w.value))\(se)</td><td class=\"name\">\(e(w.tied.isEmpty ? "—" : w.tied.joined(separator: ", ")))</td></tr>\n"
        }
        return h + "</table>\n"
    }
}

extension CompareReport {
    /// Where distillation pays off: per student cell, the teacher's cheapest cell as good and the break-even count.
    var payoffHTML: String {
        guard !payoffs.isEmpty else { return "" }
        let e = SVGChart.escape
        var h = "<h2>Where distillation pays off</h2>\n<p>Each student's upfront seconds (from its ledger: the teacher's generation of its "
        h += "training data and its own training) against the seconds per sample of the cells above, measured in this run on this machine. "
        h += "For each student cell, the teacher's cheapest cell at least as good on \(e(payoffs[0].metric.column)) (point values), and the number of "
        h += "samples after which the student's total cost is the lower. Details: <code>payoff.csv</code>.</p>\n<ul>\n"
        h += payoffs.map { "<li>\(e($0.sentence))</li>" }.joined(separator: "\n")
        return h + "\n</ul>\n"
    }
}
