/// What can stop training that a user can cause or fix; each a one-line message.
public enum TrainingError: Error, Equatable, CustomStringConvertible {
    /// A flag or configuration value that cannot work.
    case invalidSetting(String)
    /// The data could not be loaded or do not fit the model.
    case data(String)
    /// The loss or gradient became NaN or infinite at `step`.
    case nonFiniteLoss(step: Int, loss: Float)
    /// A checkpoint file that is not a usable Drift checkpoint.
    case checkpoint(path: String, reason: String)

    public var description: String {
        switch self {
        case .invalidSetting(let m): return m
        case .data(let m): return m
        case .nonFiniteLoss(let step, let loss):
            return "training diverged at step \(step + 1): the loss is \(loss); lower --lr or set --clip"
        case .checkpoint(let path, let reason): return "\(path): \(reason)"
        }
    }
}
