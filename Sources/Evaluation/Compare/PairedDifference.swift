import Foundation

/// One sampler against the best one at the same budget, on one metric.
///
/// The difference is in the metric's loss (lower is better: the value for distances, minus the
/// value for precision, recall and accuracy, the distance to the data's own value for the NLL and
/// diversity), so it is ≥ 0. Its *paired* standard error is the spread of the difference over the
/// bootstrap resamples, which resample the same sample indices in both cells (`Bootstrap`): the
/// cells share their noise and Brownian motion, so most of the sampling noise cancels. The
/// unpaired one, √(SE_a² + SE_best²), is what two independent runs would allow.
public struct PairedDifference: Sendable {
    public var samplerName: String
    /// loss(sampler) − loss(best) ≥ 0.
    public var difference: Double
    /// Spread of the difference over paired resamples (nil: the metric has no replicates, e.g. KID, MMD).
    public var pairedStandardError: Double?
    public var unpairedStandardError: Double

    /// The standard error the decision uses: the paired one where there is one.
    public var standardError: Double { pairedStandardError ?? unpairedStandardError }
    /// The 95% interval of the difference (normal approximation).
    public var interval: ClosedRange<Double> { (difference - 1.96 * standardError)...(difference + 1.96 * standardError) }
    /// Whether the sampler is worse than the best beyond its 95% interval (else: cannot be told apart).
    public var isDistinguishable: Bool { difference > 1.96 * standardError }
    /// Paired ÷ unpaired interval width (nil without a paired one).
    public var widthRatio: Double? { pairedStandardError.map { unpairedStandardError > 0 ? $0 / unpairedStandardError : .nan } }
}

/// The best sampler at one budget on one metric, and every other sampler's difference to it.
public struct BudgetWinner: Sendable {
    public var budget: Int
    public var metric: CompareMetric
    public var best: String
    public var value: Double
    public var standardError: Double
    public var others: [PairedDifference]
    /// The samplers that cannot be told apart from the best (their interval reaches 0).
    public var tied: [String] { others.filter { !$0.isDistinguishable }.map(\.samplerName) }
}

extension CompareResults {
    /// For every budget and metric, the best cell and the paired differences of the others to it.
    public var winners: [BudgetWinner] {
        var out = [BudgetWinner]()
        for budget in budgets {
            let here = cells.filter { $0.requestedNFE == budget }
            for m in metrics {
                let measured = here.filter { $0.metrics[m] != nil && $0.metrics[m]!.value.isFinite }
                guard measured.count >= 1 else { continue }
                let floor = reference[m]?.value
                func loss(_ v: Double) -> Double {
                    switch m.goal {
                    case .lower: return v
                    case .higher: return -v
                    case .nearReference: return floor.map { Swift.abs(v - $0) } ?? v
                    }
                }
                let best = measured.min { loss($0.metrics[m]!.value) < loss($1.metrics[m]!.value) }!
                let b = best.metrics[m]!
                let others = measured.filter { $0.samplerName != best.samplerName }.map { c -> PairedDifference in
                    let e = c.metrics[m]!
                    var paired: Double?
                    if let r = c.replicates[m], let rb = best.replicates[m], r.count == rb.count, r.count > 1 {
                        let se = Bootstrap.standardError(zip(r, rb).map { loss($0) - loss($1) })
                        paired = se.isFinite ? se : nil
                    }
                    let unpaired = (Self.variance(e.standardError) + Self.variance(b.standardError)).squareRoot()
                    return PairedDifference(samplerName: c.samplerName, difference: loss(e.value) - loss(b.value),
                                            pairedStandardError: paired, unpairedStandardError: unpaired)
                }
                out.append(BudgetWinner(budget: budget, metric: m, best: best.samplerName, value: b.value,
                                        standardError: b.standardError, others: others))
            }
        }
        return out
    }

    /// The median over every paired difference of paired ÷ unpaired interval width (nil: none).
    public var medianWidthRatio: Double? {
        let ratios = winners.flatMap { $0.others.compactMap(\.widthRatio) }.filter(\.isFinite).sorted()
        guard !ratios.isEmpty else { return nil }
        let n = ratios.count
        return n % 2 == 1 ? ratios[n / 2] : (ratios[n / 2 - 1] + ratios[n / 2]) / 2
    }

    static func variance(_ se: Double) -> Double { se.isFinite ? se * se : 0 }

    /// winners.csv: per budget and metric, the best sampler, its value ± SE, and the samplers
    /// that cannot be told apart from it (paired 95% intervals; ';'-separated).
    ///
    ///     requested_nfe,metric,best,value,value_se,tied
    public var winnersCSV: String {
        var lines = ["requested_nfe,metric,best,value,value_se,tied"]
        for w in winners {
            lines.append([String(w.budget), w.metric.column, w.best, Self.format(w.value),
                          w.standardError.isNaN ? "" : Self.format(w.standardError), w.tied.joined(separator: ";")].joined(separator: ","))
        }
        return lines.joined(separator: "\n") + "\n"
    }

    /// paired.csv: every sampler's difference to the best of its budget, with the paired and the
    /// unpaired 95% intervals and the ratio of their widths.
    ///
    ///     requested_nfe,metric,sampler,best,difference,paired_se,paired_lo,paired_hi,unpaired_se,unpaired_lo,unpaired_hi,width_ratio,distinguishable
    public var pairedCSV: String {
        var lines = ["requested_nfe,metric,sampler,best,difference,paired_se,paired_lo,paired_hi,unpaired_se,unpaired_lo,unpaired_hi,width_ratio,distinguishable"]
        for w in winners {
            for d in w.others {
                let p = d.pairedStandardError
                let row = [String(w.budget), w.metric.column, d.samplerName, w.best, Self.format(d.difference),
                           p.map { Self.format($0) } ?? "", p.map { Self.format(d.difference - 1.96 * $0) } ?? "",
                           p.map { Self.format(d.difference + 1.96 * $0) } ?? "",
                           Self.format(d.unpairedStandardError), Self.format(d.difference - 1.96 * d.unpairedStandardError),
                           Self.format(d.difference + 1.96 * d.unpairedStandardError), d.widthRatio.map { Self.format($0) } ?? "",
                           d.isDistinguishable ? "yes" : "no"]
                lines.append(row.joined(separator: ","))
            }
        }
        return lines.joined(separator: "\n") + "\n"
    }
}
