import ArgumentParser
import Foundation
import NN
import TensorCore

/// `drift bench`: the same work as `torch_reference.py` with the flags of the same
/// names, printing one JSON line with the same field names, so the two can be
/// compared as a ratio on one machine (see BENCHMARKS.md and scripts/bench.sh).
struct BenchCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "bench",
        abstract: "Measure training, inference and sampling throughput of the reference architectures.",
        discussion: """
            Mirrors torch_reference.py: train = flow-matching MSE step with Adam (mlp2d: batch 4096, lr 1e-3; \
            unet28: batch 64, lr 2e-4); infer = forward passes on a fixed batch (unet28: 64 and 256); \
            sample = Euler 50 steps and Heun 25 steps from noise. Timing: warm-up, then --reps blocks of K \
            iterations (K calibrated so a block takes ≥ --min-block-s); min/median/max per iteration.
            """)

    enum Model: String, ExpressibleByArgument, CaseIterable {
        case mlp2d, unet28, unetTiny = "unet-tiny"
        var preset: ModelPreset {
            switch self {
            case .mlp2d: return .mlp2d
            case .unet28: return .unet28
            case .unetTiny: return .unetTiny
            }
        }
    }
    enum Task: String, ExpressibleByArgument, CaseIterable { case train, infer, sample }
    enum SamplerChoice: String, ExpressibleByArgument, CaseIterable { case euler, heun, both }

    @Option(help: "Architecture: \(Model.allCases.map(\.rawValue).joined(separator: ", ")).") var model: Model = .unet28
    @Option(help: "What to time: train, infer or sample.") var task: Task = .train
    @Option(help: "Compute threads (Drift splits every kernel over them).") var threads: Int = 2
    @Flag(help: "Print exactly one JSON line.") var json = false
    @Option(help: "Override the default batch size.") var batch: Int?
    @Option(help: "Untimed warm-up iterations.") var warmup: Int = 3
    @Option(help: "Timed repetitions (blocks) for train and infer.") var reps: Int = 7
    @Option(name: .customLong("min-block-s"), help: "Minimum seconds per timed block.") var minBlockSeconds: Double = 1.0
    @Option(name: .customLong("sample-reps"), help: "Complete sampling runs per sampler.") var sampleReps: Int = 3
    @Option(help: "Sampler for --task sample: euler, heun or both.") var sampler: SamplerChoice = .both
    @Option(name: .customLong("euler-steps"), help: "Euler steps (one NFE each).") var eulerSteps: Int = 50
    @Option(name: .customLong("heun-steps"), help: "Heun steps (two NFE each).") var heunSteps: Int = 25
    @Option(help: "Seed of the initial weights, data and noise.") var seed: UInt64 = 0

    func validate() throws {
        guard threads >= 1 else { throw ValidationError("--threads must be ≥ 1, got \(threads)") }
        if let batch, batch < 1 { throw ValidationError("--batch must be ≥ 1, got \(batch)") }
        guard warmup >= 0, reps >= 1, sampleReps >= 1 else {
            throw ValidationError("--warmup must be ≥ 0 and --reps, --sample-reps ≥ 1")
        }
        guard minBlockSeconds > 0 else { throw ValidationError("--min-block-s must be positive, got \(minBlockSeconds)") }
        guard eulerSteps >= 1, heunSteps >= 1 else { throw ValidationError("--euler-steps and --heun-steps must be ≥ 1") }
    }

    func run() throws {
        print(try measure().json(pretty: !json))
    }

    /// Runs the selected task and returns the report.
    func measure() throws -> BenchReport {
        ComputeThreads.set(threads)
        let spec = BenchSpec(model.preset)
        let network = try spec.preset.config.build(key: RandomKey(seed: seed).fold("init"))
        var report = BenchReport(model: model.rawValue, task: task.rawValue, threads: threads, params: network.parameterCount,
                                 fwdFlopsPerSample: spec.forwardFlopsPerSample, trainFlopsPerSample: spec.trainFlopsPerSample)
        report.rssBeforeTaskMb = ProcessMemory.residentMB()
        report.peakRssBeforeTaskMb = ProcessMemory.peakResidentMB()
        let timing = BlockTimer(warmup: warmup, reps: reps, minBlockSeconds: minBlockSeconds)
        let bench = Bench(spec: spec, network: network, timing: timing, key: RandomKey(seed: seed))
        let start = Date()
        switch task {
        case .train: report.runs = [bench.train(batch: batch ?? spec.trainBatch)]
        case .infer: report.runs = (batch.map { [$0] } ?? spec.inferBatches).map(bench.infer(batch:))
        case .sample:
            let which: [BenchSampler] = sampler == .both ? [.euler, .heun] : sampler == .euler ? [.euler] : [.heun]
            report.runs = bench.sample(batch: batch ?? spec.sampleBatch, samplers: which.map { ($0, $0 == .euler ? eulerSteps : heunSteps) },
                                       runs: sampleReps, warmup: warmup)
        }
        report.taskWallS = Date().timeIntervalSince(start)
        report.peakRssMb = ProcessMemory.peakResidentMB()
        report.loadavgEnd = ProcessMemory.loadAverage()
        return report
    }
}
