import Foundation
import TensorCore

extension RunFolder {
    /// Every post-hoc EMA snapshot the run in this folder has written, with its file, in order of
    /// profile then step; the profiles are the run's own (`settings`).
    public func profileSnapshotFiles(_ settings: PostHocEMASettings) throws -> [(snapshot: PostHocReconstruction.Snapshot, file: String)] {
        var found: [(PostHocReconstruction.Snapshot, String)] = []
        for (sigmaRel, profile) in zip(settings.sigmaRels, try settings.profiles()) {
            let folder = profileSnapshots(sigmaRel: sigmaRel)
            let names = (try? FileManager.default.contentsOfDirectory(atPath: folder.path)) ?? []
            for name in names.sorted() where name.hasPrefix("step-") && name.hasSuffix(".h5") {
                guard let step = Int(name.dropFirst(5).dropLast(3)) else { continue }
                found.append((PostHocReconstruction.Snapshot(profile: profile, step: step), folder.appendingPathComponent(name).path))
            }
        }
        return found
    }

    /// The EMA of length `sigmaRel` at `step` (default: the last snapshot's), rebuilt from this run's
    /// post-hoc EMA snapshots, as an EMA-only checkpoint (what `drift export --ema-length` writes).
    /// - Throws: `TrainingError.invalidSetting` when the run tracked no profiles, has no snapshots,
    ///   a snapshot disagrees with its folder, or the length is outside their reach.
    public func posthocEMA(sigmaRel: Double, at step: Int? = nil) throws -> (checkpoint: Checkpoint, fit: PostHocReconstruction) {
        guard FileManager.default.fileExists(atPath: checkpoint) else {
            throw TrainingError.invalidSetting("no run in \(url.path) (expected \(checkpoint)); --ema-length needs the run folder of drift train --posthoc-ema")
        }
        let run = try Checkpoint.read(from: checkpoint, includeOptimizer: false)
        guard let settings = run.training.posthocEMA else {
            throw TrainingError.invalidSetting("the run in \(url.path) tracked no post-hoc EMA profiles (train with --posthoc-ema 0.05,0.10)")
        }
        let files = try profileSnapshotFiles(settings)
        guard let last = files.map(\.snapshot.step).max() else {
            throw TrainingError.invalidSetting("the run in \(url.path) has no post-hoc EMA snapshots yet (they are written every \(settings.every) steps)")
        }
        let target = step ?? last
        guard target >= 1, target <= last else {
            throw TrainingError.invalidSetting("--at-step \(target) is outside the snapshots (steps 1–\(last))")
        }
        let fit = try PostHocReconstruction(sigmaRel: sigmaRel, at: target, from: files.map(\.snapshot))
        let used = files.filter { $0.snapshot.step <= target }
        var elapsed = 0.0
        let weights = try fit.combine { i in
            let snapshot = try Checkpoint.read(from: used[i].file)
            guard snapshot.snapshotProfile == used[i].snapshot.profile, snapshot.step == used[i].snapshot.step else {
                throw TrainingError.checkpoint(path: used[i].file, reason: "its profile or step disagrees with its place in \(url.path)/snapshots")
            }
            elapsed = max(elapsed, snapshot.elapsedSeconds)
            return snapshot.ema
        }
        var out = run.emaOnly
        out.ema = weights
        out.parameters = weights
        out.step = target
        out.dataPosition = target * run.training.batchSize
        out.emaLength = sigmaRel
        out.elapsedSeconds = elapsed
        return (out, fit)
    }
}
