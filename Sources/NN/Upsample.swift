import TensorCore

/// Doubles the resolution: nearest-neighbour 2× then a 3×3 convolution, padding 1 (key `conv`).
public final class Upsample: Module {
    public let conv: Conv2d

    public init(channels: Int, key: RandomKey) {
        conv = Conv2d(channels, channels, kernelSize: 3, padding: 1, key: key.fold("conv"))
    }

    public func visitParameters(_ body: (String, inout Tensor) -> Void) { visit("conv", conv, body) }

    /// [B, C, H, W] → [B, C, 2H, 2W].
    public func callAsFunction(_ x: Tensor) -> Tensor { conv(x.upsampleNearest(scale: 2)) }
}
