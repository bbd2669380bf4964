import Foundation

/// The CSV training log: one line every `--log-every` steps,
///
///     step,loss,lr,grad_norm,time
///
/// with `loss` and `grad_norm` averaged over the steps since the previous line,
/// `lr` the learning rate of the last of them and `time` the wall-clock seconds
/// since the run began (over all sessions). On resume, lines after the
/// checkpoint's step (written before an interruption) are dropped so the log
/// matches the continued run.
public final class TrainingLog {
    public static let header = "step,loss,lr,grad_norm,time"
    private let handle: FileHandle
    private var lossSum = 0.0, normSum = 0.0, count = 0

    /// Opens `path` for appending, keeping only lines with step ≤ `keepThrough` (nil: start a new log).
    public init(path: String, keepThrough: Int?) throws {
        var kept = [Self.header]
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
        count += 1
    }

    /// Writes the window's line and starts a new window.
    public func flush(step: Int, learningRate: Float, time: Double) {
        guard count > 0 else { return }
        let line = String(format: "%d,%.6g,%.6g,%.6g,%.3f\n", step, lossSum / Double(count), Double(learningRate),
                          normSum / Double(count), time)
        handle.write(Data(line.utf8))
        lossSum = 0
        normSum = 0
        count = 0
    }
}
