import TensorCore

/// Residual block with time conditioning (DDPM, Ho et al. 2020; the reference's `ResBlock`):
///
///     h = conv1(SiLU(norm1(x)))                       3×3, C_in → C_out
///     h = h + temb_proj(SiLU(temb))[:, :, None, None]  per-channel shift
///     h = conv2(SiLU(norm2(h)))                       3×3, C_out → C_out (no dropout)
///     y = skip(x) + h                                 skip: 1×1 conv when C_in ≠ C_out, else identity
///
/// Keys: `norm1`, `conv1`, `temb_proj`, `norm2`, `conv2`, `skip` (if present).
public final class ResBlock: Module {
    public let norm1: GroupNorm
    public let conv1: Conv2d
    public let tembProj: Linear
    public let norm2: GroupNorm
    public let conv2: Conv2d
    public let skip: Conv2d?

    public init(_ inChannels: Int, _ outChannels: Int, timeEmbeddingDimension: Int, groups: Int = 8, key: RandomKey) {
        norm1 = GroupNorm(groups: groups, channels: inChannels)
        conv1 = Conv2d(inChannels, outChannels, kernelSize: 3, padding: 1, key: key.fold("conv1"))
        tembProj = Linear(timeEmbeddingDimension, outChannels, key: key.fold("temb_proj"))
        norm2 = GroupNorm(groups: groups, channels: outChannels)
        conv2 = Conv2d(outChannels, outChannels, kernelSize: 3, padding: 1, key: key.fold("conv2"))
        skip = inChannels == outChannels ? nil : Conv2d(inChannels, outChannels, kernelSize: 1, key: key.fold("skip"))
    }

    public func visitParameters(_ body: (String, inout Tensor) -> Void) {
        visit("norm1", norm1, body)
        visit("conv1", conv1, body)
        visit("temb_proj", tembProj, body)
        visit("norm2", norm2, body)
        visit("conv2", conv2, body)
        visit("skip", skip, body)
    }

    /// x [B, C_in, H, W], temb [B, D] → [B, C_out, H, W].
    public func callAsFunction(_ x: Tensor, temb: Tensor) -> Tensor {
        var h = conv1(norm1(x, silu: true))
        let shift = tembProj(temb.silu())
        h = h + shift.reshaped([shift.shape[0], shift.shape[1], 1, 1])
        h = conv2(norm2(h, silu: true))
        return (skip?(x) ?? x) + h
    }
}
