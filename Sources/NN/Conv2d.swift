import TensorCore

/// 2-D convolution layer (PyTorch's `nn.Conv2d`, cross-correlation, zero padding):
///
///     y[n, o] = b[o] + Σ_c w[o, c] ⋆ x[n, c]
///
/// Weight [O, C, kh, kw], bias [O]; input [N, C, H, W]. Initialized like PyTorch:
/// W, b ~ U(−1/√fan_in, 1/√fan_in), fan_in = C·kh·kw. The work is TensorCore's
/// `conv2d` (im2col + GEMM) with the bias fused.
public final class Conv2d: Module {
    public var weight: Tensor
    public var bias: Tensor
    public let stride: Int
    public let padding: Int

    public init(_ inChannels: Int, _ outChannels: Int, kernelSize: Int, stride: Int = 1, padding: Int = 0, key: RandomKey) {
        let fanIn = inChannels * kernelSize * kernelSize
        weight = DefaultInit.uniform([outChannels, inChannels, kernelSize, kernelSize], fanIn: fanIn, key: key.fold("weight"))
        bias = DefaultInit.uniform([outChannels], fanIn: fanIn, key: key.fold("bias"))
        self.stride = stride
        self.padding = padding
    }

    public func visitParameters(_ body: (String, inout Tensor) -> Void) {
        body("weight", &weight)
        body("bias", &bias)
    }

    public func callAsFunction(_ x: Tensor) -> Tensor {
        x.conv2d(weight: weight, bias: bias, stride: stride, padding: padding)
    }
}
