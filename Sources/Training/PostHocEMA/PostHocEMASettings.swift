/// Post-hoc EMA during training (EDM2 §3.2): the EMA profiles tracked alongside the run and how
/// often each is written to `snapshots/ema-<σ_rel>/step-N.h5`, so that an EMA of any length can be
/// reconstructed afterwards (`PostHocReconstruction`) instead of being fixed before training.
public struct PostHocEMASettings: Codable, Equatable, Sendable {
    /// The tracked profiles' lengths σ_rel (EDM2 stores 0.05 and 0.10).
    public var sigmaRels: [Double]
    /// Steps between snapshots of every profile.
    public var every: Int

    public init(sigmaRels: [Double] = [0.05, 0.10], every: Int) {
        self.sigmaRels = sigmaRels
        self.every = every
    }

    /// The profiles, in the order of `sigmaRels`.
    public func profiles() throws -> [PowerProfile] { try sigmaRels.map { try PowerProfile(sigmaRel: $0) } }

    public func validate() throws {
        guard !sigmaRels.isEmpty, sigmaRels.count <= 8 else {
            throw TrainingError.invalidSetting("--posthoc-ema needs 1 to 8 EMA lengths, got \(sigmaRels.count)")
        }
        guard Set(sigmaRels).count == sigmaRels.count else {
            throw TrainingError.invalidSetting("--posthoc-ema: the EMA lengths must differ, got \(sigmaRels.map { "\($0)" }.joined(separator: ","))")
        }
        _ = try profiles()
        guard every >= 1 else { throw TrainingError.invalidSetting("--posthoc-every must be at least 1, got \(every)") }
    }

    /// The folder name of a profile's snapshots: `ema-0.050`.
    public static func folderName(sigmaRel: Double) -> String { "ema-" + String(format: "%.3f", sigmaRel) }
}
