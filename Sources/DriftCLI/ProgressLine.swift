import Foundation
import Training

/// Live training progress on standard error: one line rewritten in place on a
/// terminal ("step 1200/20000  loss 0.4123  312 samples/s  ETA 12m03s"), plain
/// lines every `every` steps otherwise (logs, pipes, CI).
final class ProgressLine {
    private let isTerminal = isatty(STDERR_FILENO) == 1
    private let every: Int
    private var lastDraw = Date.distantPast
    private var drawn = false

    init(every: Int) { self.every = every }

    func update(_ p: RunProgress) {
        let step = p.result.step
        var line = String(format: "step %d/%d  loss %.4f", step, p.totalSteps, Double(p.result.loss))
        if let e = p.result.evaluations { line += "  NFE \(e.forward)+\(e.backward)" }
        line += String(format: "  %.0f samples/s  ETA %@", p.samplesPerSecond, Self.duration(p.secondsRemaining))
        if isTerminal {
            // At most ~10 redraws a second; always draw the last step.
            guard Date().timeIntervalSince(lastDraw) > 0.1 || step == p.totalSteps else { return }
            lastDraw = Date()
            FileHandle.standardError.write(Data(("\r\u{1B}[K" + line).utf8))
            drawn = true
        } else if step % every == 0 || step == p.totalSteps {
            stderrLine(line)
        }
    }

    /// Ends the rewritten line so later output starts on a fresh one.
    func finish() {
        if isTerminal && drawn { FileHandle.standardError.write(Data("\n".utf8)) }
        drawn = false
    }

    /// "42s", "12m03s", "3h05m".
    static func duration(_ seconds: Double) -> String {
        guard seconds.isFinite, seconds >= 0 else { return "--" }
        let s = Int(seconds.rounded())
        if s < 60 { return "\(s)s" }
        if s < 3600 { return String(format: "%dm%02ds", s / 60, s % 60) }
        return String(format: "%dh%02dm", s / 3600, (s % 3600) / 60)
    }
}
