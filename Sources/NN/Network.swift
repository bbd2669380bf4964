import TensorCore

/// A time-conditioned network f(x, t): the model behind every score or
/// velocity field Drift trains.
public protocol Network: Module {
    /// The configuration the network was built from (stored in checkpoints as JSON).
    var config: ModelConfig { get }
    /// Evaluates the network on a batch x [B, sampleShape...] at times t [B].
    func callAsFunction(x: Tensor, t: Tensor) -> Tensor
}

extension Network {
    /// Shape of one sample (without the batch axis).
    public var sampleShape: [Int] { config.sampleShape }
}
