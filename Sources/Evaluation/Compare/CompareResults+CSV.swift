import Foundation
import Generative

extension CompareResults {
    /// results.csv: one row per cell, then the reference row (`referenceName`, kind "reference").
    ///
    ///     sampler,kind,grid,[guidance,guide,sigma_lo,sigma_hi,]requested_nfe,nfe,[network_nfe,]steps,rtol,seconds,<metric>,<metric>_se…
    ///
    /// (an empty `_se` where no standard error was estimated: `--bootstrap 0`); with fd, also
    /// `fd_half`, `fd_quarter` and `fd_inf` (`FrechetScaling`: FD at N/2, N/4 and extrapolated).
    ///
    /// The guidance columns in a guidance sweep only (guidance.csv): the weight, the method (`none`
    /// at w = 0, `cfg` classifier-free, `auto` autoguidance), the guidance interval's noise levels
    /// (empty: every noise level), and the network passes per sample behind the NFE.
    public var csv: String {
        let guided = cells.contains { $0.guidance != nil }
        var header = ["sampler", "kind", "grid"] + (guided ? ["guidance", "guide", "sigma_lo", "sigma_hi"] : []) + ["requested_nfe", "nfe"]
            + (guided ? ["network_nfe"] : []) + ["steps", "rtol", "seconds"]
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
            if guided {
                row += [c.guidance.map { Self.format($0) } ?? "", c.guide?.rawValue ?? "",
                        c.interval.map { Self.format($0.low) } ?? "", c.interval.map { Self.format($0.high) } ?? ""]
            }
            row += ["\(c.requestedNFE)", "\(c.nfe)"] + (guided ? [c.networkPasses.map(String.init) ?? ""] : [])
            row += [c.steps.map(String.init) ?? "", c.rtol.map { Self.format($0) } ?? "", String(format: "%.4f", c.seconds)]
            lines.append((row + values(c.metrics, c.fdScaling)).joined(separator: ","))
        }
        if !reference.isEmpty {
            lines.append(([referenceName, "reference"] + [String](repeating: "", count: guided ? 11 : 6) + values(reference, referenceFDScaling)).joined(separator: ","))
        }
        return lines.joined(separator: "\n") + "\n"
    }

    /// Six significant digits, plain or exponent form.
    static func format(_ v: Double) -> String {
        guard v.isFinite else { return "nan" }
        return String(format: "%.6g", v)
    }
}
