import Foundation

extension CompareResults {
    /// What a cell costs: its evaluations or its wall time.
    public enum Cost: String, CaseIterable, Sendable {
        case nfe
        case seconds

        func of(_ c: CompareCell) -> Double { self == .nfe ? Double(c.nfe) : c.seconds }
    }

    /// The cells no other cell beats in both `metric` (its loss: `CompareMetric.goal`) and `cost`:
    /// no other is at least as good in both and better in one. In order of cost.
    public func paretoFront(_ metric: CompareMetric, by cost: Cost) -> [CompareCell] {
        let floor = reference[metric]?.value
        func loss(_ c: CompareCell) -> Double {
            let v = c.metrics[metric]!.value
            switch metric.goal {
            case .lower: return v
            case .higher: return -v
            case .nearReference: return floor.map { Swift.abs(v - $0) } ?? v
            }
        }
        let measured = cells.filter { $0.metrics[metric].map { $0.value.isFinite } ?? false }
        return measured.filter { c in
            !measured.contains { o in
                loss(o) <= loss(c) && cost.of(o) <= cost.of(c) && (loss(o) < loss(c) || cost.of(o) < cost.of(c))
            }
        }.sorted { cost.of($0) < cost.of($1) }
    }

    /// pareto.csv: per metric, the cells on the front of NFE and the metric (cheapest first). The
    /// wall-time front is drawn in the report only: it moves with the machine's timing, and the
    /// same command must write the same CSVs.
    ///
    ///     metric,cost,sampler,kind,requested_nfe,nfe,value,value_se
    public var paretoCSV: String {
        var lines = ["metric,cost,sampler,kind,requested_nfe,nfe,value,value_se"]
        for m in metrics {
            for cost in [Cost.nfe] {
                for c in paretoFront(m, by: cost) {
                    let e = c.metrics[m]!
                    lines.append([m.column, cost.rawValue, c.samplerName, c.isStochastic ? "SDE" : "ODE", String(c.requestedNFE), String(c.nfe),
                                  Self.format(e.value), e.standardError.isNaN ? "" : Self.format(e.standardError)]
                        .joined(separator: ","))
                }
            }
        }
        return lines.joined(separator: "\n") + "\n"
    }
}
