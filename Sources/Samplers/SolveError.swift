/// Why `solve` stopped before reaching the end time.
public enum SolveError: Error, Equatable, CustomStringConvertible {
    /// More than `maxSteps` steps were attempted (accepted + rejected).
    case maxStepsExceeded(maxSteps: Int, time: Double)
    /// The controller proposed a step shorter than `minStep`.
    case stepSizeTooSmall(minStep: Double, step: Double, time: Double)

    public var description: String {
        switch self {
        case let .maxStepsExceeded(n, t):
            return "solve: exceeded maxSteps = \(n) at t = \(t); raise maxSteps or loosen rtol/atol"
        case let .stepSizeTooSmall(m, h, t):
            return "solve: step size \(h) fell below minStep = \(m) at t = \(t) (stiff or non-finite dynamics); loosen rtol/atol or lower minStep"
        }
    }
}
