import Dispatch
import Foundation
import Synchronization

/// SIGINT / SIGTERM turned into a flag the training loop checks between steps.
///
/// The default actions are replaced (`signal(_, SIG_IGN)`) and the signals are
/// delivered to dispatch sources instead, so no code runs in signal context:
/// the first signal sets `requested` (the loop finishes its step, saves a
/// checkpoint and exits 0); a second one exits at once with status 130.
final class StopSignals: Sendable {
    private let count = Atomic<Int>(0)
    nonisolated(unsafe) private var sources: [DispatchSourceSignal] = []

    /// True once SIGINT or SIGTERM has arrived.
    var requested: Bool { count.load(ordering: .relaxed) > 0 }

    static func install() -> StopSignals {
        let s = StopSignals()
        for sig in [SIGINT, SIGTERM] {
            signal(sig, SIG_IGN)
            let source = DispatchSource.makeSignalSource(signal: sig, queue: .global())
            source.setEventHandler { [s] in
                let n = s.count.add(1, ordering: .relaxed).newValue
                if n == 1 {
                    stderrLine("\nstopping after this step and saving a checkpoint (signal again to quit without saving)")
                } else {
                    stderrLine("quitting without saving")
                    exit(130)
                }
            }
            source.resume()
            s.sources.append(source)
        }
        return s
    }

    /// Restores the default signal actions.
    func uninstall() {
        for source in sources { source.cancel() }
        sources = []
        signal(SIGINT, SIG_DFL)
        signal(SIGTERM, SIG_DFL)
    }
}
