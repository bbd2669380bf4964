import TensorCore

/// Halves the resolution with a learned 3×3 convolution, stride 2, padding 1 (key `conv`).
public final class Downsample: Module {
    public let conv: Conv2d

    public init(channels: Int, key: RandomKey) {
        conv = Conv2d(channels, channels, kernelSize: 3, stride: 2, padding: 1, key: key.fold("conv"))
    }

    public func visitParameters(_ body: (String, inout Tensor) -> Void) { visit("conv", conv, body) }

    /// [B, C, H, W] → [B, C, ⌈H/2⌉, ⌈W/2⌉].
    public func callAsFunction(_ x: Tensor) -> Tensor { conv(x) }
}
