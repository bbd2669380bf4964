import TensorCore

/// Fully connected layer y = x·Wᵀ + b (PyTorch's `nn.Linear`).
///
/// W has shape [out, in] and b [out]; x is [..., in] (leading axes are batch
/// axes) and y [..., out]. Initialized like PyTorch: W, b ~ U(−1/√in, 1/√in).
public final class Linear: Module {
    public var weight: Tensor
    public var bias: Tensor

    public init(_ inFeatures: Int, _ outFeatures: Int, key: RandomKey) {
        weight = DefaultInit.uniform([outFeatures, inFeatures], fanIn: inFeatures, key: key.fold("weight"))
        bias = DefaultInit.uniform([outFeatures], fanIn: inFeatures, key: key.fold("bias"))
    }

    public var inFeatures: Int { weight.shape[1] }
    public var outFeatures: Int { weight.shape[0] }

    public func visitParameters(_ body: (String, inout Tensor) -> Void) {
        body("weight", &weight)
        body("bias", &bias)
    }

    public func callAsFunction(_ x: Tensor) -> Tensor { self(x, activation: .identity) }

    /// activation(x·Wᵀ + b + add) in one fused op (`Tensor.linear`, which checks the shapes): the
    /// same values as `(self(x) + add).silu()`, without their passes over memory.
    public func callAsFunction(_ x: Tensor, adding add: Tensor? = nil, activation: Activation) -> Tensor {
        Tensor.linear(x, weight: weight, bias: bias, adding: add, activation: activation)
    }
}
