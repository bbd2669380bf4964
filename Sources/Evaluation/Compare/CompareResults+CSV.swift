import Foundation

extension CompareResults {
    /// results.csv: one row per cell, then the reference row (`referenceName`, kind "reference").
    ///
    ///     sampler,kind,grid,[guidance,]requested_nfe,nfe,steps,rtol,seconds,<metric>,<metric>_se…
    ///
    /// (an empty `_se` where no standard error was estimated: `--bootstrap 0`); with fd, also
    /// `fd_half`, `fd_quarter` and `fd_inf` (`FrechetScaling`: FD at N/2, N/4 and extrapolated).
    ///
    /// (the guidance column in a class-conditional sweep only).
    public var csv: String {
        let guided = cells.contains { $0.guidance != nil }
        var header = ["sampler", "kind", "grid"] + (guided ? ["guidance"] : []) + ["requested_nfe", "nfe", "steps", "rtol", "seconds"]
        for m in metrics {
            header.append(m.column)
            if m.hasStandardError { header.append(m.column + "_se") }
            if m == .fd { header += ["fd_half", "fd_quarter", "fd_inf"] }
        }
        func values(_ v: [CompareMetric: Estimate], _ scaling: FrechetScaling?) -> [String] {
            metrics.flatMap { m -> [String] in
                let e = v[m]
                var out = [e.map { Self.format($0.value) } ?? ""]
                if m.hasStandardError { out.append(e.flatMap { $0.standardError.isNaN ? nil : Self.format($0.standardError) } ?? "") }
                if m == .fd {
                    out += scaling.map { [Self.format($0.values[1]), Self.format($0.values[2]), Self.format($0.extrapolated)] } ?? ["", "", ""]
                }
                return out
            }
        }
        var lines = [header.joined(separator: ",")]
        for c in cells {
            var row: [String] = [c.samplerName, c.isStochastic ? "SDE" : "ODE", gridNames[c.samplerName] ?? ""]
            if guided { row.append(c.guidance.map { Self.format($0) } ?? "") }
            row += ["\(c.requestedNFE)", "\(c.nfe)", c.steps.map(String.init) ?? "", c.rtol.map { Self.format($0) } ?? "",
                    String(format: "%.4f", c.seconds)]
            lines.append((row + values(c.metrics, c.fdScaling)).joined(separator: ","))
        }
        if !reference.isEmpty {
            lines.append(([referenceName, "reference"] + [String](repeating: "", count: guided ? 7 : 6) + values(reference, referenceFDScaling)).joined(separator: ","))
        }
        return lines.joined(separator: "\n") + "\n"
    }

    /// Six significant digits, plain or exponent form.
    static func format(_ v: Double) -> String {
        guard v.isFinite else { return "nan" }
        return String(format: "%.6g", v)
    }
}
