import Foundation
import TensorCore

/// Where a fine-tuning run's weights came from (`drift train --init CKPT`): the new run starts its
/// parameters and its EMA at the checkpoint's EMA weights, with a fresh optimizer, step 0 and its
/// own seed; everything else (model, objective, path, classes) is the checkpoint's. Stored in the
/// training config, so the provenance travels with every later checkpoint and export.
public struct WarmStart: Codable, Equatable, Sendable {
    /// The checkpoint file, as given on the command line.
    public var checkpoint: String
    /// Optimizer steps the source checkpoint had taken (its own warm start's excluded).
    public var sourceStep: Int
    /// Training examples the source had seen (its data position).
    public var sourceExamples: Int
    /// Wall-clock training seconds of the source.
    public var sourceSeconds: Double
    /// The source's own warm start, if it was itself fine-tuned (the chain back to step 0).
    public var sourceWarmStart: [WarmStart]

    public init(checkpoint: String, sourceStep: Int, sourceExamples: Int, sourceSeconds: Double, sourceWarmStart: [WarmStart] = []) {
        self.checkpoint = checkpoint
        self.sourceStep = sourceStep
        self.sourceExamples = sourceExamples
        self.sourceSeconds = sourceSeconds
        self.sourceWarmStart = sourceWarmStart
    }

    /// The record for a run started from `source` (read from `path`).
    public init(from source: Checkpoint, path: String) {
        let chain = source.training.warmStart.map { [$0] } ?? []
        self.init(checkpoint: path, sourceStep: source.step, sourceExamples: source.dataPosition,
                  sourceSeconds: source.elapsedSeconds, sourceWarmStart: chain)
    }

    /// Steps, examples and seconds of every run in the chain before this one.
    public var totals: (steps: Int, examples: Int, seconds: Double) {
        sourceWarmStart.reduce((sourceStep, sourceExamples, sourceSeconds)) {
            let t = $1.totals
            return ($0.0 + t.steps, $0.1 + t.examples, $0.2 + t.seconds)
        }
    }

    /// "checkpoints/x.h5 (8000 steps, 512000 examples, 6241 s)".
    public var summary: String {
        let t = totals
        return "\(checkpoint) (\(t.steps) steps, \(t.examples) examples, \(Int(t.seconds.rounded())) s before this run)"
    }
}
