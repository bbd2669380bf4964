import Foundation

/// The CSV training log: one line every `--log-every` steps,
///
///     step,loss,lr,grad_norm,time
///
/// with `loss` and `grad_norm` averaged over the steps since the previous line,
/// `lr` the learning rate of the last of them and `time` the wall-clock seconds
/// since the run began (over all sessions). A CNF run's log has three more columns,
/// `nll,nfe_forward,nfe_backward`: the mean NLL without the regularizers and the mean NFE
/// of each step's forward and (adjoint) backward solve over the window. On resume, lines after the
/// checkpoint's step (written before an interruption) are dropped so the log
/// matches the continued run.
public final class TrainingLog {
    public static let header = "step,loss,lr,grad_norm,time"
    /// The header of a CNF run's log.
    public static let solveHeader = header + ",nll,nfe_forward,nfe_backward"
    private let handle: FileHandle
    private let countsSolves: Bool
    private var lossSum = 0.0, normSum = 0.0, count = 0
    private var nllSum = 0.0, forwardSum = 0.0, backwardSum = 0.0

    /// Opens `path` for appending, keeping only lines with step ≤ `keepThrough` (nil: start a new log);
    /// `countsSolves`: a CNF run's log (NLL and NFE columns).
    public init(path: String, keepThrough: Int?, countsSolves: Bool = false) throws {
        self.countsSolves = countsSolves
        var kept = [countsSolves ? Self.solveHeader : Self.header]
        if let keepThrough, let text = try? String(contentsOfFile: path, encoding: .utf8) {
            for line in text.split(separator: "\n").dropFirst() {
                guard let step = Int(line.prefix { $0 != "," }), step <= keepThrough else { continue }
                kept.append(String(line))
            }
        }
        let contents = kept.joined(separator: "\n") + "\n"
        guard FileManager.default.createFile(atPath: path, contents: Data(contents.utf8)),
              let handle = FileHandle(forWritingAtPath: path) else {
            throw TrainingError.invalidSetting("cannot write the training log \(path): \(String(cString: strerror(errno)))")
        }
        handle.seekToEndOfFile()
        self.handle = handle
    }

    deinit { try? handle.close() }

    /// Adds one step to the current window.
    public func record(_ result: StepResult) {
        lossSum += Double(result.loss)
        normSum += Double(result.gradientNorm)
        if let e = result.evaluations {
            forwardSum += Double(e.forward)
            backwardSum += Double(e.backward)
        }
        nllSum += Double(result.nll ?? 0)
        count += 1
    }

    /// Writes the window's line and starts a new window.
    public func flush(step: Int, learningRate: Float, time: Double) {
        guard count > 0 else { return }
        var line = String(format: "%d,%.6g,%.6g,%.6g,%.3f", step, lossSum / Double(count), Double(learningRate),
                          normSum / Double(count), time)
        if countsSolves {
            line += String(format: ",%.6g,%.1f,%.1f", nllSum / Double(count), forwardSum / Double(count), backwardSum / Double(count))
        }
        handle.write(Data((line + "\n").utf8))
        (lossSum, normSum, nllSum, forwardSum, backwardSum, count) = (0, 0, 0, 0, 0, 0)
    }
}
