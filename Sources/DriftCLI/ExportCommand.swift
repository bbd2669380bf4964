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

    @Argument(help: "A checkpoint (.h5) written by drift train.") var checkpoint: String
    @Option(help: "The exported file (.h5).") var out: String

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
        let full: Checkpoint
        do { full = try Checkpoint.read(from: checkpoint, includeOptimizer: false) } catch { throw CLIError(error) }
        do { try full.emaOnly.write(to: out) } catch { throw CLIError(error) }
        let bytes = (try? FileManager.default.attributesOfItem(atPath: out)[.size] as? Int) ?? 0
        print(String(format: "exported the EMA weights of %@ (step %d, %d parameters) to %@ (%.1f MB)",
                     checkpoint, full.step, full.parameterCount, out, Double(bytes) / 1e6))
    }
}
