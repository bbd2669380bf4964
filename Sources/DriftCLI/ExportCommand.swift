import ArgumentParser
import Foundation
import Training

/// `drift export CHECKPOINT --out FILE`: the sampling weights of a run, alone.
///
/// A training checkpoint holds the raw parameters, their EMA and the optimizer's moments
/// (with Adam four copies of the weights); sampling reads only the EMA copy. The export
/// keeps that copy, the configuration and the training record, so it samples, inspects,
/// compares and scores exactly like the full file — it just cannot be resumed.
struct ExportCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "export",
        abstract: "Write a checkpoint's EMA weights alone (for shipping and sampling; not resumable).")

    @Argument(help: "A checkpoint (.h5) written by drift train, or with --ema-length its run folder.") var checkpoint: String
    @Option(help: "The exported file (.h5).") var out: String
    @Option(name: .customLong("ema-length"), help: "Post-hoc EMA: rebuild the EMA of this length σ_rel (e.g. 0.08) from the run's snapshots (a run trained with --posthoc-ema).") var emaLength: Double?
    @Option(name: .customLong("at-step"), help: "With --ema-length: the training step to rebuild at (default: the last snapshot's).") var atStep: Int?

    func run() throws {
        guard URL(fileURLWithPath: out).pathExtension.lowercased() == "h5" else {
            throw CLIError("--out \(out): the export is a checkpoint; name it *.h5")
        }
        let source = URL(fileURLWithPath: checkpoint).standardizedFileURL.resolvingSymlinksInPath()
        let target = URL(fileURLWithPath: out).standardizedFileURL.resolvingSymlinksInPath()
        guard source != target else {
            throw CLIError("--out \(out) is the checkpoint itself; write the export to another file")
        }
        guard FileManager.default.fileExists(atPath: checkpoint) else {
            throw CLIError("no such checkpoint '\(checkpoint)'")
        }
        if let emaLength {
            try exportPostHoc(sigmaRel: emaLength)
            return
        }
        guard atStep == nil else { throw CLIError("--at-step needs --ema-length (the post-hoc EMA to rebuild)") }
        let full: Checkpoint
        do { full = try Checkpoint.read(from: checkpoint, includeOptimizer: false) } catch { throw CLIError(error) }
        do { try full.emaOnly.write(to: out) } catch { throw CLIError(error) }
        let bytes = (try? FileManager.default.attributesOfItem(atPath: out)[.size] as? Int) ?? 0
        print(String(format: "exported the EMA weights of %@ (step %d, %d parameters) to %@ (%.1f MB)",
                     checkpoint, full.step, full.parameterCount, out, Double(bytes) / 1e6))
    }

    /// `--ema-length`: the run folder's post-hoc EMA of that length, rebuilt and written.
    func exportPostHoc(sigmaRel: Double) throws {
        var isFolder: ObjCBool = false
        _ = FileManager.default.fileExists(atPath: checkpoint, isDirectory: &isFolder)
        let folder = RunFolder(isFolder.boolValue ? checkpoint : URL(fileURLWithPath: checkpoint).deletingLastPathComponent().path)
        let rebuilt: (checkpoint: Checkpoint, fit: PostHocReconstruction)
        do { rebuilt = try folder.posthocEMA(sigmaRel: sigmaRel, at: atStep) } catch { throw CLIError(error) }
        do { try rebuilt.checkpoint.write(to: out) } catch { throw CLIError(error) }
        print(String(format: "exported the post-hoc EMA of length %.4g at step %d of %@ (%d snapshots, profile fit error %.2g%%) to %@",
                     sigmaRel, rebuilt.fit.step, folder.url.path, rebuilt.fit.snapshots.count, 100 * rebuilt.fit.relativeError, out))
    }
}
