import TensorCore

/// A time-conditioned (and optionally class-conditioned) network f(x, t, c): the model behind
/// every score or velocity field Drift trains.
public protocol Network: Module {
    /// The configuration the network was built from (stored in checkpoints as JSON).
    var config: ModelConfig { get }
    /// Evaluates the network on a batch x [B, sampleShape...] at times t [B], with one class per
    /// row (nil: unconditional, the null class). An unconditional network takes only nils.
    func callAsFunction(x: Tensor, t: Tensor, classes: [Int?]) -> Tensor
}

extension Network {
    /// Shape of one sample (without the batch axis).
    public var sampleShape: [Int] { config.sampleShape }
    /// Number of classes the network is conditioned on (0: unconditional).
    public var classCount: Int { config.classCount }
    /// The unconditional evaluation (every row the null class).
    public func callAsFunction(x: Tensor, t: Tensor) -> Tensor {
        callAsFunction(x: x, t: t, classes: [Int?](repeating: nil, count: x.shape[0]))
    }
}

/// Checks the classes given to a network: one per row, each nil or in 0 ..< classCount.
func checkClasses(_ classes: [Int?], rows: Int, classCount: Int, _ network: String) {
    precondition(classes.count == rows, "\(network): \(classes.count) classes for \(rows) rows")
    precondition(classCount > 0 || classes.allSatisfy { $0 == nil },
                 "\(network): an unconditional network takes no classes")
    precondition(classes.allSatisfy { $0 == nil || (0..<classCount).contains($0!) },
                 "\(network): a class is out of range 0..<\(classCount)")
}
