import Foundation
import Generative
import TensorCore

/// What one cell of a sweep came to: a measured cell, or the reason it could not run.
public enum CellOutcome {
    case measured(CompareCell)
    case skipped(SkippedCell)
}

/// How the cells of a sweep are shared among cooperating processes (`mpirun -np N drift compare`).
///
/// Every cell runs whole on one process, from the same noise and Brownian motion it would have
/// in one process, so its samples and metrics are bit for bit the single-process ones (adaptive
/// solvers included: their error norm spans the cell's whole batch). Cells go to processes
/// longest-first by NFE budget, each to the least-loaded process (ties: the lowest rank) —
/// Graham's LPT rule, within 4/3 of the best balance — a pure function of the cell list, so
/// every process agrees without talking. Rank 0 collects the outcomes in sweep order.
public struct CellPartition {
    public let rank: Int
    public let size: Int
    /// Gathers every process's bytes on rank 0 in rank order (nil on the other ranks).
    private let gather: ([UInt8]) throws -> [[UInt8]]?

    public init(rank: Int, size: Int, gather: @escaping ([UInt8]) throws -> [[UInt8]]?) {
        precondition(size >= 1 && (0..<size).contains(rank), "rank \(rank) of \(size)")
        self.rank = rank
        self.size = size
        self.gather = gather
    }

    /// One process doing every cell.
    public static var single: CellPartition { CellPartition(rank: 0, size: 1, gather: { [$0] }) }

    /// The process of each job (by its `costs`): longest first, to the least-loaded process.
    public func owners(costs: [Int]) -> [Int] {
        var load = [Int](repeating: 0, count: size), owner = [Int](repeating: 0, count: costs.count)
        let order = costs.indices.sorted { costs[$0] != costs[$1] ? costs[$0] > costs[$1] : $0 < $1 }
        for j in order {
            let p = load.indices.min { load[$0] != load[$1] ? load[$0] < load[$1] : $0 < $1 }!
            owner[j] = p
            load[p] += costs[j]
        }
        return owner
    }

    /// Runs the jobs this process owns (in job order) and returns every job's outcome, in job
    /// order, on rank 0 (nil on the other ranks).
    public func run(costs: [Int], job: (Int) throws -> CellOutcome) throws -> [CellOutcome]? {
        let owner = owners(costs: costs)
        var mine = [(Int, CellOutcome)]()
        for j in costs.indices where owner[j] == rank { mine.append((j, try job(j))) }
        guard size > 1 else { return mine.map(\.1) }
        guard let parts = try gather(try Self.encode(mine)) else { return nil }
        var all = [CellOutcome?](repeating: nil, count: costs.count)
        for part in parts {
            for (j, outcome) in try Self.decode(part) { all[j] = outcome }
        }
        guard all.allSatisfy({ $0 != nil }) else { throw EvaluationError("a process returned no result for some cells of the sweep") }
        return all.map { $0! }
    }

    // MARK: - Wire format: per outcome, a length-prefixed JSON header, then the samples' float32 bits.

    private struct Header: Codable {
        var job: Int
        var skipped: SkippedRecord?
        var cell: CellRecord?
    }

    private struct SkippedRecord: Codable {
        var samplerName: String, requestedNFE: Int, reason: String
    }

    private struct CellRecord: Codable {
        var samplerName: String, isStochastic: Bool, requestedNFE: Int, nfe: Int, steps: Int?, rtol: Double?, seconds: Double
        /// Metric name → (value, standard error) as IEEE bit patterns (exact, and NaN/∞ survive).
        var metrics: [String: [UInt64]]
        var shape: [Int]
        var guidance: Double?
        /// Metric name → its bootstrap replicates as IEEE bit patterns.
        var replicates: [String: [UInt64]]
        /// FD at N, N/2, N/4 and its extrapolation: counts, then values and extrapolation as bit patterns.
        var fdCounts: [Int]?
        var fdValues: [UInt64]?
        /// A guidance sweep's method, interval and network passes.
        var guide: GuidanceMethod?
        var interval: GuidanceInterval?
        var networkPasses: Int?
    }

    static func encode(_ outcomes: [(Int, CellOutcome)]) throws -> [UInt8] {
        var bytes = [UInt8]()
        func append(_ n: UInt64) { withUnsafeBytes(of: n.littleEndian) { bytes += $0 } }
        for (job, outcome) in outcomes {
            var header = Header(job: job)
            var samples = [Float]()
            switch outcome {
            case .skipped(let s):
                header.skipped = SkippedRecord(samplerName: s.samplerName, requestedNFE: s.requestedNFE, reason: s.reason)
            case .measured(let c):
                header.cell = CellRecord(samplerName: c.samplerName, isStochastic: c.isStochastic, requestedNFE: c.requestedNFE, nfe: c.nfe,
                                         steps: c.steps, rtol: c.rtol, seconds: c.seconds,
                                         metrics: Dictionary(uniqueKeysWithValues: c.metrics.map {
                                             ($0.key.rawValue, [$0.value.value.bitPattern, $0.value.standardError.bitPattern]) }),
                                         shape: c.samples.shape, guidance: c.guidance,
                                         replicates: Dictionary(uniqueKeysWithValues: c.replicates.map { ($0.key.rawValue, $0.value.map(\.bitPattern)) }),
                                         fdCounts: c.fdScaling?.counts, fdValues: c.fdScaling.map { ($0.values + [$0.extrapolated]).map(\.bitPattern) },
                                         guide: c.guide, interval: c.interval, networkPasses: c.networkPasses)
                samples = c.samples.scalars
            }
            let json = try JSONEncoder().encode(header)
            append(UInt64(json.count))
            bytes += json
            append(UInt64(samples.count))
            samples.map { $0.bitPattern.littleEndian }.withUnsafeBytes { bytes += $0 }
        }
        return bytes
    }

    static func scaling(_ counts: [Int]?, _ bits: [UInt64]?) throws -> FrechetScaling? {
        guard let counts, let bits else { return nil }
        guard bits.count == counts.count + 1 else { throw EvaluationError("a process sent a malformed FD scaling") }
        let v = bits.map { Double(bitPattern: $0) }
        return FrechetScaling(counts: counts, values: Array(v.dropLast()), extrapolated: v.last!)
    }

    static func decode(_ bytes: [UInt8]) throws -> [(Int, CellOutcome)] {
        var at = 0, out = [(Int, CellOutcome)]()
        func read(_ n: Int) throws -> ArraySlice<UInt8> {
            guard at + n <= bytes.count else { throw EvaluationError("a process sent a truncated sweep result") }
            defer { at += n }
            return bytes[at..<(at + n)]
        }
        func integer() throws -> Int {
            Int(try read(8).reversed().reduce(UInt64(0)) { $0 << 8 | UInt64($1) })
        }
        while at < bytes.count {
            let header = try JSONDecoder().decode(Header.self, from: Data(try read(try integer())))
            let count = try integer()
            let samples = try read(4 * count).withUnsafeBytes { raw in
                (0..<count).map { Float(bitPattern: UInt32(littleEndian: raw.loadUnaligned(fromByteOffset: 4 * $0, as: UInt32.self))) }
            }
            if let s = header.skipped {
                out.append((header.job, .skipped(SkippedCell(samplerName: s.samplerName, requestedNFE: s.requestedNFE, reason: s.reason))))
            } else if let c = header.cell {
                var metrics = [CompareMetric: Estimate]()
                for (name, v) in c.metrics {
                    guard let m = CompareMetric(rawValue: name), v.count == 2 else { throw EvaluationError("a process sent an unknown metric '\(name)'") }
                    metrics[m] = Estimate(value: Double(bitPattern: v[0]), standardError: Double(bitPattern: v[1]))
                }
                var replicates = [CompareMetric: [Double]]()
                for (name, v) in c.replicates {
                    guard let m = CompareMetric(rawValue: name) else { throw EvaluationError("a process sent an unknown metric '\(name)'") }
                    replicates[m] = v.map { Double(bitPattern: $0) }
                }
                out.append((header.job, .measured(CompareCell(
                    samplerName: c.samplerName, isStochastic: c.isStochastic, requestedNFE: c.requestedNFE, nfe: c.nfe, steps: c.steps,
                    rtol: c.rtol, seconds: c.seconds, metrics: metrics, samples: Tensor(samples, shape: c.shape), guidance: c.guidance,
                    replicates: replicates, fdScaling: try Self.scaling(c.fdCounts, c.fdValues),
                    guide: c.guide, interval: c.interval, networkPasses: c.networkPasses))))
            } else {
                throw EvaluationError("a process sent an empty sweep result")
            }
        }
        return out
    }
}
