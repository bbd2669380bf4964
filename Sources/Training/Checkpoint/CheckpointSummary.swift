import DriftIO
import Foundation

/// A readable account of a checkpoint (`drift inspect`): it is validated in
/// full first (so inspect also answers "is this file good?"), then every
/// dataset is listed with its type and shape.
public struct CheckpointSummary {
    public let checkpoint: Checkpoint
    public let datasets: [(name: String, info: HDF5DatasetInfo)]
    public let file: String

    public init(file: String) throws {
        checkpoint = try Checkpoint.read(from: file)
        let reader = try HDF5Reader(path: file)
        defer { reader.close() }
        datasets = try reader.datasets().map { ($0, try reader.info($0)) }
        self.file = file
    }

    public var text: String {
        let c = checkpoint, t = c.training
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys]
        func json<T: Encodable>(_ v: T) -> String { (try? encoder.encode(v)).map { String(decoding: $0, as: UTF8.self) } ?? "?" }
        var rows: [(String, String)] = [
            ("file", file),
            ("format", "\(Checkpoint.format) (version \(Checkpoint.formatVersion))"),
            ("model", json(c.model)),
            ("path", json(c.path)),
            ("parametrization", c.parametrization.rawValue),
            ("contents", c.isEMAOnly ? "EMA weights only (an export for sampling; cannot be resumed)"
                                     : "full training state (parameters, EMA weights, optimizer)"),
        ]
        if let p = c.preconditioning { rows.append(("preconditioning", json(p))) }
        rows += [
            ("objective", t.objective.kind.rawValue + (t.objective.cnf.map { " (\($0.summary))" } ?? "")
                + (t.objective.consistency.map { " (\($0.summary))" } ?? "")),
            ("step", "\(c.step) of \(t.steps)"),
            ("seed", "\(t.seed)"),
            ("data", t.data.name),
            ("classes", t.conditioning.map { c in
                "\(c.classCount): " + c.classNames.enumerated().map { "\($0) \($1)" }.joined(separator: ", ")
                    + String(format: " (label dropout %g)", c.labelDropout)
            } ?? "none (unconditional)"),
            ("optimizer", t.optimizerChoice.summary + (t.weightDecay > 0 ? ", weight decay \(t.weightDecay)" : "")),
            ("batch, lr", "\(t.batchSize), \(t.learningRate) (\(t.decay.rawValue), warm-up \(t.warmupSteps))"),
            ("ema decay", "\(t.emaDecay)"
                + (c.emaLength.map { String(format: "; these weights: post-hoc EMA of length σ_rel %g", $0) } ?? "")
                + (c.snapshotProfile.map { String(format: "; these weights: power-function EMA σ_rel %.3f (γ %.2f)", $0.sigmaRel, $0.gamma) } ?? "")),
            ("post-hoc EMA", t.posthocEMA.map { "profiles σ_rel " + $0.sigmaRels.map { String(format: "%g", $0) }.joined(separator: ", ")
                + ", a snapshot every \($0.every) steps" } ?? "none"),
            ("trained for", String(format: "%.1f s", c.elapsedSeconds)),
            ("fine-tuned from", t.warmStart?.summary ?? "none (initialised from the seed)"),
        ]
        if let d = t.distillation {
            rows.append(("distilled", d.summary(examples: c.step * t.batchSize) + "; the student trained \(Int(c.elapsedSeconds.rounded())) s on \(d.trainingCPU)"))
            rows.append(("teacher sha256", d.teacherSHA256))
        }
        rows += [
            ("parameters", "\(c.parameterCount) in \(c.parameters.count) tensors"),
        ]
        let width = rows.map(\.0.count).max() ?? 0
        var out = rows.map { $0.0.padding(toLength: width, withPad: " ", startingAt: 0) + "  " + $0.1 }.joined(separator: "\n") + "\n"
        out += "datasets (\(datasets.count)):\n"
        let nameWidth = datasets.map(\.name.count).max() ?? 0
        for (name, info) in datasets {
            out += "  " + name.padding(toLength: nameWidth, withPad: " ", startingAt: 0) + "  \(info.dataType) \(info.shape)\n"
        }
        return out
    }
}
