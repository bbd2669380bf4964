/// What can stop training that a user can cause or fix; each a one-line message.
public enum TrainingError: Error, Equatable, CustomStringConvertible {
    /// A flag or configuration value that cannot work.
    case invalidSetting(String)
    /// The data could not be loaded or do not fit the model.
    case data(String)
    /// The loss or gradient became NaN or infinite at `step` (0-based); `what` says which.
    case nonFinite(step: Int, what: String)
    /// A checkpoint file that is not a usable Drift checkpoint.
    case checkpoint(path: String, reason: String)

    public var description: String {
        switch self {
        case .invalidSetting(let m): return m
        case .data(let m): return m
        case .nonFinite(let step, let what):
            return "training diverged at step \(step + 1): \(what); lower --lr or add --warmup steps"
        case .checkpoint(let path, let reason): return "\(path): \(reason)"
        }
    }
}
