import Foundation
import Generative
import NN
import TensorCore

/// A training run's state, as stored in a Drift checkpoint (DESIGN §4).
///
/// HDF5 layout (`Checkpoint+HDF5.swift`):
///
///     /                    attrs format = "drift-checkpoint", format_version = 1,
///                                model (JSON ModelConfig), path (JSON GaussianPath),
///                                parametrization ("velocity" | "epsilon" | "x0"),
///                                preconditioning (JSON, EDM objective only),
///                                training (JSON: objective, step, seed, data, config),
///                                parameter_count
///     /parameters/<key>    float32, one per tensor, shapes as in the model
///     /ema/<key>           float32 EMA weights (what sampling uses)
///     /optimizer/step      int64 scalar; /optimizer/<slot>/<key> the optimizer's state (Adam: m, v; SGD: momentum)
///     /posthoc_ema/<i>/<key>  float32, the running average of post-hoc EMA profile i (config `posthocEMA`)
///     /consistency_target/<key>  float32, a consistency student's target network θ⁻ (objective `consistency`)
///     /rng/key             int64 [2] root Philox key; /rng/step, /rng/data_position int64 scalars
///
/// An export for sampling (`drift export`, attribute `contents = "ema"`) holds `/ema` and
/// `/rng` only: a quarter of the size with Adam, everything `drift sample` needs, not resumable.
/// A post-hoc EMA snapshot is such an export whose `/ema` is a profile's average, with the
/// attribute `ema_profile` (JSON `{"gamma": γ}`); a reconstructed export has `ema_length` (σ_rel).
///
/// Every dataset carries a `crc32` attribute (checked on load).
public struct Checkpoint {
    public static let format = "drift-checkpoint"
    public static let formatVersion: Int64 = 1

    /// Every flag of the run (model, path and objective included).
    public var training: TrainingConfig
    /// Optimizer steps taken.
    public var step: Int
    /// Stream position of the next training example.
    public var dataPosition: Int
    /// Root of the run's random streams.
    public var rootKey: RandomKey
    public var parameters: [String: Tensor]
    public var ema: [String: Tensor]
    /// The optimizer's state (Adam's moments, SGD's momentum) and step; nil when read for sampling only.
    public var optimizer: OptimizerState?
    /// Wall-clock seconds spent training up to `step` (over all sessions).
    public var elapsedSeconds: Double
    /// True for an export holding only the EMA weights (no raw parameters, no optimizer
    /// state): it samples like the full file but cannot be resumed.
    public var isEMAOnly = false
    /// Compute threads the run used (a resume uses the same count by default, for the same
    /// speed; the steps do not depend on it).
    public var threads: Int?
    /// Processes that shared each step (data parallelism; nil as in runs made before it: 1).
    public var worldSize: Int?
    /// The file this checkpoint was read from, for messages.
    public var origin: String?
    /// The running averages of the post-hoc EMA profiles, in the order of `training.posthocEMA`
    /// (empty without post-hoc EMA, and in exports).
    public var profileAverages: [[String: Tensor]] = []
    /// A consistency student's target network θ⁻ (nil for other objectives, and in exports).
    public var consistencyTarget: [String: Tensor]?
    /// In a post-hoc EMA snapshot: the profile whose average `ema` holds.
    public var snapshotProfile: PowerProfile?
    /// In a post-hoc reconstruction: the EMA length σ_rel it was rebuilt for.
    public var emaLength: Double?

    public init(training: TrainingConfig, step: Int, dataPosition: Int, rootKey: RandomKey,
                parameters: [String: Tensor], ema: [String: Tensor], optimizer: OptimizerState?,
                profileAverages: [[String: Tensor]] = [], consistencyTarget: [String: Tensor]? = nil,
                elapsedSeconds: Double = 0, origin: String? = nil) {
        self.training = training
        self.step = step
        self.dataPosition = dataPosition
        self.rootKey = rootKey
        self.parameters = parameters
        self.ema = ema
        self.optimizer = optimizer
        self.profileAverages = profileAverages
        self.consistencyTarget = consistencyTarget
        self.elapsedSeconds = elapsedSeconds
        self.origin = origin
    }

    public var model: ModelConfig { training.model }
    public var path: GaussianPath { training.path }
    /// What the network predicts (sampling converts from it).
    public var parametrization: Parametrization { training.objective.kind.parametrization }
    /// The EDM preconditioning around the network (EDM objective only).
    public var preconditioning: EDMPreconditioning? { training.objective.preconditioning }
    public var parameterCount: Int { parameters.values.reduce(0) { $0 + $1.count } }

    /// The same run's EMA weights alone, for shipping and sampling: `parameters` becomes the
    /// EMA copy (so every reader of either sees the sampling weights) and the optimizer goes.
    public var emaOnly: Checkpoint {
        var c = self
        c.parameters = ema
        c.optimizer = nil
        c.profileAverages = []
        c.consistencyTarget = nil
        c.isEMAOnly = true
        return c
    }
}

/// The `training` attribute: a summary a person (or h5py) reads at a glance, and the full config.
struct TrainingRecord: Codable {
    var objective: ObjectiveKind
    var step: Int
    var seed: UInt64
    var data: String
    var elapsedSeconds: Double?
    var threads: Int?
    var worldSize: Int?
    var config: TrainingConfig
}
