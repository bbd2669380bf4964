import TensorCore

/// Group normalization with a per-channel affine map (Wu & He 2018; PyTorch's `nn.GroupNorm`):
///
///     y = γ_c·(x − μ_g)/√(σ²_g + ε) + β_c
///
/// with μ_g, σ²_g the mean and biased variance over each sample's group of C/G
/// channels and all positions. γ starts at 1 and β at 0. With `silu: true` the
/// SiLU that follows every normalization in the U-Net is fused into the same pass.
public final class GroupNorm: Module {
    public var weight: Tensor
    public var bias: Tensor
    public let groups: Int
    public let eps: Float

    public init(groups: Int, channels: Int, eps: Float = 1e-5) {
        precondition(groups > 0 && channels % groups == 0, "GroupNorm: \(channels) channels do not split into \(groups) groups")
        weight = Tensor.ones([channels])
        bias = Tensor.zeros([channels])
        self.groups = groups
        self.eps = eps
    }

    public func visitParameters(_ body: (String, inout Tensor) -> Void) {
        body("weight", &weight)
        body("bias", &bias)
    }

    /// Normalizes x [N, C, …]; applies SiLU to the result when `silu`.
    public func callAsFunction(_ x: Tensor, silu: Bool = false) -> Tensor {
        x.groupNorm(groups: groups, weight: weight, bias: bias, eps: eps, silu: silu)
    }
}
