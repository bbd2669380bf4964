import DriftIO
import TensorCore

/// Tiles a batch of images into one picture (like torchvision's `make_grid`).
///
/// A `[N, C, H, W]` tensor (C = 1 gray or 3 RGB) becomes a grid of
/// `nrow` images per row and ⌈N / nrow⌉ rows, each cell `padding` pixels
/// apart (and from the border), on a `padValue` background. Values in
/// `range` map linearly onto 0...255 (rounded, clamped). `scale` enlarges
/// every pixel to a `scale × scale` block (nearest neighbour), handy for
/// 28×28 samples.
public enum ImageGrid {
    public static func make(_ images: Tensor, nrow: Int = 8, padding: Int = 2, range: ClosedRange<Float> = -1...1,
                            padValue: UInt8 = 255, scale: Int = 1) -> PixelImage {
        precondition(images.rank == 4 && (images.shape[1] == 1 || images.shape[1] == 3),
                     "ImageGrid.make: expected [N, C, H, W] with C = 1 or 3, got \(images.shape)")
        precondition(nrow > 0 && padding >= 0 && scale > 0, "ImageGrid.make: nrow \(nrow), padding \(padding), scale \(scale)")
        let (n, c, h, w) = (images.shape[0], images.shape[1], images.shape[2] * scale, images.shape[3] * scale)
        let cols = max(1, min(nrow, n))
        let rows = max(1, (n + cols - 1) / cols)
        let width = cols * (w + padding) + padding
        let height = rows * (h + padding) + padding
        var grid = PixelImage(width: width, height: height, channels: c, fill: [padValue])
        let (srcH, srcW) = (images.shape[2], images.shape[3])
        images.withUnsafeBufferPointer { v in
            grid.pixels.withUnsafeMutableBufferPointer { out in
                for i in 0..<n {
                    let x0 = padding + (i % cols) * (w + padding)
                    let y0 = padding + (i / cols) * (h + padding)
                    let base = i * c * srcH * srcW
                    for y in 0..<h {
                        let row = (y0 + y) * width
                        for x in 0..<w {
                            let src = base + (y / scale) * srcW + x / scale
                            for ch in 0..<c { out[(row + x0 + x) * c + ch] = PixelImage.quantize(v[src + ch * srcH * srcW], range: range) }
                        }
                    }
                }
            }
        }
        return grid
    }

    /// Makes the grid and writes it as PNG with `text` chunks (see `PNG.write`).
    public static func write(_ images: Tensor, to path: String, nrow: Int = 8, padding: Int = 2,
                             range: ClosedRange<Float> = -1...1, scale: Int = 1, text: [PNGText] = []) throws {
        try PNG.write(make(images, nrow: nrow, padding: padding, range: range, scale: scale), to: path, text: text)
    }
}
