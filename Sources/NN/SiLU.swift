import TensorCore

/// SiLU (swish) activation x·σ(x) as a parameter-free layer (Elfwing et al. 2018).
public struct SiLU: Sendable {
    public init() {}
    public func callAsFunction(_ x: Tensor) -> Tensor { x.silu() }
}
