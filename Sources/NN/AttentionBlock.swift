import TensorCore

/// Single-head self-attention over the pixels of a feature map (the reference's `AttnBlock`;
/// Vaswani et al. 2017 as used in DDPM):
///
///     q, k, v = split(qkv(norm(x)), C)          1×1 conv C → 3C; q = channels 0..C−1, k = C..2C−1, v = 2C..3C−1
///     o = softmax(qᵀk/√C)·vᵀ over N = H·W tokens (token n = row·W + col)
///     y = x + proj(o)                           1×1 conv C → C
///
/// Keys: `norm`, `qkv`, `proj`. The attention runs on the channels-first layout directly.
public final class AttentionBlock: Module {
    public let norm: GroupNorm
    public let qkv: Conv2d
    public let proj: Conv2d

    public init(channels: Int, groups: Int = 8, key: RandomKey) {
        norm = GroupNorm(groups: groups, channels: channels)
        qkv = Conv2d(channels, 3 * channels, kernelSize: 1, key: key.fold("qkv"))
        proj = Conv2d(channels, channels, kernelSize: 1, key: key.fold("proj"))
    }

    public func visitParameters(_ body: (String, inout Tensor) -> Void) {
        visit("norm", norm, body)
        visit("qkv", qkv, body)
        visit("proj", proj, body)
    }

    /// x [B, C, H, W] → [B, C, H, W].
    public func callAsFunction(_ x: Tensor) -> Tensor {
        let (b, c, h, w) = (x.shape[0], x.shape[1], x.shape[2], x.shape[3])
        let parts = qkv(norm(x)).reshaped([b, 3 * c, h * w]).chunk(3, axis: 1)
        let o = Tensor.scaledDotProductAttention(parts[0], parts[1], parts[2], layout: .channelsFirst)
        return x + proj(o.reshaped([b, c, h, w]))
    }
}
