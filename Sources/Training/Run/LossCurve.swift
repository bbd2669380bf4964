import DriftIO
import Foundation
import Plotting

/// The loss curve of a run: `loss` against `step` from the CSV training log,
/// drawn as `DIR/loss.png` (rewritten with every
/// checkpoint, so the folder always shows the run so far).
public enum LossCurve {
    /// Reads (step, loss) pairs from a training log (`step,loss,lr,grad_norm,time`).
    /// - Throws: `TrainingError.invalidSetting` when the file is unreadable or not a Drift log.
    public static func read(log path: String) throws -> (steps: [Double], losses: [Double]) {
        guard let text = try? String(contentsOfFile: path, encoding: .utf8) else {
            throw TrainingError.invalidSetting("cannot read the training log \(path)")
        }
        var lines = text.split(separator: "\n")
        guard let header = lines.first, header.hasPrefix("step,loss") else {
            throw TrainingError.invalidSetting("\(path) is not a Drift training log (expected the header \(TrainingLog.header))")
        }
        lines.removeFirst()
        var steps: [Double] = [], losses: [Double] = []
        for line in lines {
            let fields = line.split(separator: ",")
            guard fields.count >= 2, let s = Double(fields[0]), let l = Double(fields[1]), l.isFinite else { continue }
            steps.append(s)
            losses.append(l)
        }
        return (steps, losses)
    }

    /// Draws the curve of the log at `logPath` into the PNG `pngPath` (atomically).
    /// Does nothing while the log holds fewer than two points.
    public static func write(log logPath: String, to pngPath: String, text: [PNGText] = []) throws {
        let (steps, losses) = try read(log: logPath)
        guard steps.count >= 2 else { return }
        var plot = LinePlot(width: 640, height: 400, logY: false)
        plot.add(y: losses, x: steps)
        try plot.write(to: pngPath, text: text + [PNGText("Title", "training loss against step")])
    }
}
