import Datasets
import Foundation
import Generative
import Samplers
import TensorCore

/// Makes reflow's pairs: standard normal noise z_i (keyed by the seed and i) and the sample the
/// teacher's ODE sampler carries it to, in whole batches of `batch` rows from row 0. Row i depends
/// only on (seed, i) and its batch's rows, and the batches always start at multiples of `batch`
/// (an adaptive solver's steps follow its batch), so a generation stopped after any batch and
/// continued gives the same pairs as one that ran through.
///
/// A class-conditional teacher draws row i for class i mod K with classifier-free guidance of
/// weight `guidance` (0: the plain conditional): a student of those pairs learns the guided map,
/// so it samples a class with that guidance baked in, at one network pass per evaluation.
public struct PairGenerator {
    public let teacher: any DiffusionModel
    public let sampler: Sampler
    public let batch: Int
    public let seed: UInt64
    public let guidance: Double
    /// Classes the rows cycle through (0: unconditional sampling).
    public let classCount: Int

    /// `classCount` > 0 draws row i for class i mod `classCount` (the teacher must have those classes).
    public init(teacher: any DiffusionModel, sampler: Sampler, batch: Int, seed: UInt64, classCount: Int = 0, guidance: Double = 0) throws {
        precondition(classCount == 0 || classCount == teacher.classNames.count, "PairGenerator: \(classCount) classes for a teacher of \(teacher.classNames.count)")
        precondition(batch >= 1, "PairGenerator: batch must be ≥ 1, got \(batch)")
        guard guidance >= 0 && guidance.isFinite else { throw TrainingError.invalidSetting("--guidance must be ≥ 0, got \(guidance)") }
        if guidance > 0 && classCount == 0 {
            throw TrainingError.invalidSetting("--guidance needs a class-conditional teacher; this one is unconditional")
        }
        if sampler.isStochastic {
            throw TrainingError.invalidSetting("reflow pairs need the teacher's deterministic ODE map: use an ODE sampler (e.g. dopri5, dpmpp-2m-20, heun-karras-18), not an SDE one")
        }
        try sampler.validate(for: teacher)
        (self.teacher, self.sampler, self.batch, self.seed, self.guidance, self.classCount) = (teacher, sampler, batch, seed, guidance, classCount)
    }

    /// The class of each row first ..< first + count (i mod K), nil for an unconditional teacher.
    public func labels(first: Int, count: Int) -> [Int]? {
        classCount == 0 ? nil : (first..<(first + count)).map { $0 % classCount }
    }

    /// Noise rows first ..< first + count.
    public func noise(first: Int, count: Int) -> Tensor {
        Sampler.initialNoise(count: count, sampleShape: teacher.sampleShape, key: RandomKey(seed: seed).fold("reflow-pairs"), firstSample: first)
    }

    /// Generates the rows from `done` (a multiple of `batch`, or `target`) up to `target`, batch by
    /// batch, calling `checkpoint` with all rows so far every `saveEvery` rows and at the end, and
    /// stopping early (after a batch, with a checkpoint) once `shouldStop()` is true. Each call
    /// gets the rows' noise and samples, their count, the network passes spent since the previous
    /// call (every batch's own count: an adaptive sampler's differs by batch), the passes per
    /// sample of the last batch, and the seconds since the previous call.
    public func extend(noise: [Float], samples: [Float], done: Int, target: Int, saveEvery: Int,
                       shouldStop: () -> Bool = { false },
                       checkpoint: (_ noise: [Float], _ samples: [Float], _ rows: Int, _ passes: Int, _ passesPerSample: Int, _ seconds: Double) throws -> Void,
                       progress: (Int) -> Void = { _ in }) throws {
        precondition(done % batch == 0 || done == target, "PairGenerator: \(done) rows is not a whole number of batches of \(batch)")
        var (noiseValues, sampleValues, rows) = (noise, samples, done)
        var lastSaved = rows, nfe = 0, passes = 0
        var started = Date()
        let key = RandomKey(seed: seed).fold("reflow-sampler")
        while rows < target {
            if shouldStop() { break }
            let b = min(batch, target - rows)
            let z = self.noise(first: rows, count: b)
            let model: any DiffusionModel = labels(first: rows, count: b).map { GuidedModel(teacher, classes: $0, guidance: guidance) } ?? teacher
            let result = try sampler.sample(model, noise: z, key: key, firstSample: rows)
            guard result.samples.scalars.allSatisfy(\.isFinite) else {
                throw TrainingError.invalidSetting("the teacher's samples of rows \(rows)..<\(rows + b) are not finite: try another --sampler")
            }
            noiseValues += z.scalars
            sampleValues += result.samples.scalars
            rows += b
            // Network passes per sample: guidance doubles each evaluation.
            nfe = result.evaluations * (guidance > 0 ? 2 : 1)
            passes += nfe * b
            progress(rows)
            if rows - lastSaved >= saveEvery || rows == target {
                try checkpoint(noiseValues, sampleValues, rows, passes, nfe, Date().timeIntervalSince(started))
                (lastSaved, passes) = (rows, 0)
                started = Date()
            }
        }
        if rows > lastSaved { try checkpoint(noiseValues, sampleValues, rows, passes, nfe, Date().timeIntervalSince(started)) }
    }
}
