import DriftIO
import Foundation

/// The files of a training run in its output folder (`--out DIR`):
///
///     DIR/checkpoint.h5        latest checkpoint (atomic; what --resume and drift sample read)
///     DIR/log.csv              step, loss, lr, grad_norm, time
///     DIR/loss.png             the loss curve (rewritten with every checkpoint)
///     DIR/samples/step-NNNNNNNN.png   previews from the EMA weights (fixed noise)
///     DIR/snapshots/step-NNNNNNNN.h5  EMA-only snapshots (`--keep-every`), for curves over training
///     DIR/snapshots/ema-0.050/step-NNNNNNNN.h5  post-hoc EMA snapshots of each tracked profile (`--posthoc-ema`)
public struct RunFolder: Sendable {
    public let url: URL

    public init(_ path: String) { url = URL(fileURLWithPath: path) }

    public var checkpoint: String { url.appendingPathComponent("checkpoint.h5").path }
    public var log: String { url.appendingPathComponent("log.csv").path }
    public var lossPlot: String { url.appendingPathComponent("loss.png").path }
    public var samples: URL { url.appendingPathComponent("samples") }
    /// The preview file of `step` (creating `samples/` on first use).
    public func preview(step: Int) -> String {
        try? FileManager.default.createDirectory(at: samples, withIntermediateDirectories: true)
        return samples.appendingPathComponent("step-" + String(format: "%08d", step) + ".png").path
    }

    public var snapshots: URL { url.appendingPathComponent("snapshots") }
    /// The snapshot file of `step`.
    public func snapshot(step: Int) -> String {
        snapshots.appendingPathComponent("step-" + String(format: "%08d", step) + ".h5").path
    }

    /// The folder of a post-hoc EMA profile's snapshots.
    public func profileSnapshots(sigmaRel: Double) -> URL {
        snapshots.appendingPathComponent(PostHocEMASettings.folderName(sigmaRel: sigmaRel))
    }

    /// The post-hoc EMA snapshot of profile `sigmaRel` at `step`.
    public func profileSnapshot(sigmaRel: Double, step: Int) -> String {
        profileSnapshots(sigmaRel: sigmaRel).appendingPathComponent("step-" + String(format: "%08d", step) + ".h5").path
    }

    /// Creates the folder if needed and proves it is writable by
    /// creating and removing a file, so a bad `--out` fails before any training.
    public func prepare() throws {
        let fm = FileManager.default
        var isDir: ObjCBool = false
        if fm.fileExists(atPath: url.path, isDirectory: &isDir), !isDir.boolValue {
            throw TrainingError.invalidSetting("--out \(url.path) is a file, not a folder")
        }
        do { try fm.createDirectory(at: url, withIntermediateDirectories: true) } catch {
            throw TrainingError.invalidSetting("cannot create output folder \(url.path): \(DriftIOError.reason(error))")
        }
        let probe = url.appendingPathComponent(".drift-write-test.\(getpid())").path
        let fd = open(probe, O_CREAT | O_WRONLY | O_EXCL, 0o600)
        guard fd >= 0 else {
            throw TrainingError.invalidSetting("output folder \(url.path) is not writable: \(String(cString: strerror(errno)))")
        }
        close(fd)
        unlink(probe)
    }
}
