import DriftIO
import TensorCore

extension PixelImage {
    /// The image as a `[C, H, W]` float tensor, 0...255 mapped linearly onto `range`.
    public func tensor(range: ClosedRange<Float> = -1...1) -> Tensor {
        Tensor(planarValues(range: range), shape: [channels, height, width])
    }

    /// Quantizes a `[C, H, W]` (C = 1...4) or `[H, W]` tensor: `range` maps
    /// linearly onto 0...255, rounded to nearest; values outside are clamped
    /// (NaN becomes 0).
    public init(tensor: Tensor, range: ClosedRange<Float> = -1...1) {
        let shape = tensor.rank == 2 ? [1] + tensor.shape : tensor.shape
        precondition(shape.count == 3 && (1...4).contains(shape[0]),
                     "PixelImage(tensor:): expected [C,H,W] with C in 1...4 or [H,W], got \(tensor.shape)")
        self = tensor.withUnsafeBufferPointer { PixelImage(planar: $0, channels: shape[0], height: shape[1], width: shape[2], range: range) }
    }
}

extension IDXArray {
    /// Images `[N, rows, cols]` as a float tensor `[N, 1, rows, cols]`, 0...255 mapped linearly onto `range`.
    public func imageTensor(range: ClosedRange<Float> = -1...1) -> Tensor {
        precondition(shape.count == 3, "IDXArray.imageTensor: expected [N, rows, cols], got \(shape)")
        let scale = (range.upperBound - range.lowerBound) / 255
        return Tensor(bytes.map { range.lowerBound + scale * Float($0) }, shape: [shape[0], 1, shape[1], shape[2]])
    }
}

extension FashionMNIST {
    /// Images as `[N, 1, 28, 28]` floats in `range` (default [-1, 1]).
    public func imageTensor(range: ClosedRange<Float> = -1...1) -> Tensor { images.imageTensor(range: range) }
}
