/// What can stop training that a user can cause or fix; each a one-line message.
public enum TrainingError: Error, Equatable, CustomStringConvertible {
    /// A flag or configuration value that cannot work.
    case invalidSetting(String)
    /// The data could not be loaded or do not fit the model.
    case data(String)
    /// The loss or gradient became NaN or infinite at `step` (0-based); `what` says which.
    case nonFinite(step: Int, what: String)
    /// A CNF's ODE solve failed at `step` (0-based): over its step limit, or a step too small.
    case solveFailed(step: Int, what: String)
    /// A checkpoint file that is not a usable Drift checkpoint.
    case checkpoint(path: String, reason: String)

    public var description: String {
        switch self {
        case .invalidSetting(let m): return m
        case .data(let m): return m
        case .nonFinite(let step, let what):
            return "training diverged at step \(step + 1): \(what); lower --lr or add --warmup steps"
        case .solveFailed(let step, let what):
            return "the CNF's ODE solve failed at step \(step + 1) (\(what)); raise --ode-max-steps, loosen --rtol/--atol, use a fixed-step --ode-solver, or lower --lr"
        case .checkpoint(let path, let reason): return "\(path): \(reason)"
        }
    }
}
