import Foundation
import TensorCore

/// The JSON line `drift bench` prints. Field names (snake_case when encoded) are
/// those of torch_reference.py, so scripts read both outputs alike.
struct BenchReport: Encodable {
    var impl = "drift"
    var model: String
    var task: String
    var threads: Int
    var cpu = CPUInfo.modelName
    /// The GEMM kernel path (`KernelPath`: avx512, avx2 or generic) the run used.
    var kernel = KernelPath.active.rawValue
    var nproc = ProcessInfo.processInfo.activeProcessorCount
    var params: Int
    var fwdFlopsPerSample: Double
    var trainFlopsPerSample: Double
    var rssBeforeTaskMb: Double?
    var peakRssBeforeTaskMb: Double?
    var taskWallS: Double?
    var runs: [BenchRun] = []
    var peakRssMb: Double?
    var loadavgEnd: [Double]?

    /// The report as JSON with snake_case keys: one line, or indented when `pretty`.
    func json(pretty: Bool) throws -> String {
        let encoder = JSONEncoder()
        encoder.keyEncodingStrategy = .convertToSnakeCase
        encoder.outputFormatting = pretty ? [.sortedKeys, .prettyPrinted, .withoutEscapingSlashes] : [.sortedKeys, .withoutEscapingSlashes]
        return String(decoding: try encoder.encode(self), as: UTF8.self)
    }
}

/// Per-iteration statistics over timed blocks (or complete runs).
struct BenchStats: Encodable {
    var min: Double, median: Double, max: Double, n: Int, all: [Double]

    init(_ xs: [Double]) {
        let s = xs.sorted()
        min = s.first!
        max = s.last!
        median = s.count % 2 == 1 ? s[s.count / 2] : (s[s.count / 2 - 1] + s[s.count / 2]) / 2
        n = s.count
        all = xs.map { ($0 * 1e6).rounded() / 1e6 }
    }

    /// `count / seconds` as min / median / max (the min rate comes from the max time).
    func rate(_ count: Double) -> BenchRate { BenchRate(min: count / max, median: count / median, max: count / min) }
}

struct BenchRate: Encodable { var min: Double, median: Double, max: Double }

/// One entry of `runs`: a train configuration, an infer batch size or a sampler.
/// Fields that do not apply to the task are omitted.
struct BenchRun: Encodable {
    var batch: Int
    // train
    var adam: String?
    var stepsPerBlock: Int?
    var stepS: BenchStats?
    var stepsPerS: BenchRate?
    var samplesPerS: BenchRate?
    var finalLoss: Double?
    // infer
    var fwdPerBlock: Int?
    var forwardS: BenchStats?
    var samplesNfePerS: BenchRate?
    // sample
    var sampler: String?
    var steps: Int?
    var nfe: Int?
    var wallS: BenchStats?
    var samplesNfePerSMedian: Double?
    var outputStd: Double?
    // all
    var achievedGflopsMedian: Double?
}

/// Process and machine figures reported beside the timings.
enum ProcessMemory {
    /// Peak resident set size in MiB (getrusage ru_maxrss, KiB on Linux).
    static func peakResidentMB() -> Double {
        var u = rusage()
        getrusage(__rusage_who_t(RUSAGE_SELF.rawValue), &u)
        return Double(u.ru_maxrss) / 1024
    }

    /// Current resident set size in MiB (VmRSS of /proc/self/status), nil where unavailable.
    static func residentMB() -> Double? {
        guard let s = try? String(contentsOfFile: "/proc/self/status", encoding: .utf8),
              let line = s.split(separator: "\n").first(where: { $0.hasPrefix("VmRSS:") }),
              let kb = line.split(separator: " ").dropFirst().first.flatMap({ Double($0) }) else { return nil }
        return kb / 1024
    }

    static func loadAverage() -> [Double]? {
        var l = [Double](repeating: 0, count: 3)
        return getloadavg(&l, 3) == 3 ? l : nil
    }
}
