/// An 8-bit image: rows top to bottom, channels interleaved (HWC).
///
/// Channels: 1 gray, 2 gray+alpha, 3 RGB, 4 RGBA. This is the interchange
/// type between PNG files, the image helpers (resizing; grids and plots in
/// Plotting) and float planes (`planarValues(range:)`, `init(planar:…)`; the
/// tensor forms are in TensorIO).
public struct PixelImage: Equatable, Sendable {
    public let width: Int
    public let height: Int
    public let channels: Int
    /// `height * width * channels` bytes.
    public var pixels: [UInt8]

    public init(width: Int, height: Int, channels: Int, pixels: [UInt8]) {
        precondition(width >= 0 && height >= 0 && (1...4).contains(channels),
                     "PixelImage: invalid size \(width)x\(height)x\(channels)")
        precondition(pixels.count == width * height * channels,
                     "PixelImage: \(pixels.count) bytes for \(width)x\(height)x\(channels)")
        self.width = width
        self.height = height
        self.channels = channels
        self.pixels = pixels
    }

    /// An image filled with one color (`fill` has `channels` entries, or one value for all).
    public init(width: Int, height: Int, channels: Int, fill: [UInt8] = [0]) {
        precondition(fill.count == 1 || fill.count == channels, "PixelImage: fill \(fill) for \(channels) channels")
        let px = fill.count == 1 ? [UInt8](repeating: fill[0], count: channels) : fill
        var bytes = [UInt8]()
        bytes.reserveCapacity(width * height * channels)
        for _ in 0..<(width * height) { bytes += px }
        self.init(width: width, height: height, channels: channels, pixels: bytes)
    }

    /// Sample `c` of pixel (x, y).
    public subscript(x: Int, y: Int, c: Int) -> UInt8 {
        get { pixels[(y * width + x) * channels + c] }
        set { pixels[(y * width + x) * channels + c] = newValue }
    }

    /// The image as `[C, H, W]` floats (channel planes, rows top to bottom), 0...255 mapped
    /// linearly onto `range`.
    public func planarValues(range: ClosedRange<Float> = -1...1) -> [Float] {
        let scale = (range.upperBound - range.lowerBound) / 255
        let plane = width * height
        var values = [Float](repeating: 0, count: pixels.count)
        for i in 0..<plane {
            for c in 0..<channels { values[c * plane + i] = range.lowerBound + scale * Float(pixels[i * channels + c]) }
        }
        return values
    }

    /// Quantizes `[C, H, W]` floats (C = 1...4; channel planes, rows top to bottom): `range`
    /// maps linearly onto 0...255, rounded to nearest; values outside are clamped (NaN becomes 0).
    public init(planar values: UnsafeBufferPointer<Float>, channels c: Int, height h: Int, width w: Int,
                range: ClosedRange<Float> = -1...1) {
        precondition((1...4).contains(c) && values.count == c * h * w,
                     "PixelImage(planar:): \(values.count) values for \(c)×\(h)×\(w) with C in 1...4")
        let plane = h * w
        var bytes = [UInt8](repeating: 0, count: c * plane)
        for ch in 0..<c {
            for i in 0..<plane { bytes[i * c + ch] = Self.quantize(values[ch * plane + i], range: range) }
        }
        self.init(width: w, height: h, channels: c, pixels: bytes)
    }

    /// Maps `v` from `range` to 0...255, rounding to nearest and clamping (NaN becomes 0).
    @inlinable
    public static func quantize(_ v: Float, range: ClosedRange<Float>) -> UInt8 {
        let t = (v - range.lowerBound) / (range.upperBound - range.lowerBound) * 255
        guard t > 0 else { return 0 }   // also NaN
        return t >= 255 ? 255 : UInt8(t + 0.5)
    }

    /// The same image with `channels` channels: gray ↔ RGB by replication or
    /// Rec. 709 luma, alpha dropped or set opaque.
    public func converted(toChannels target: Int) -> PixelImage {
        precondition((1...4).contains(target), "PixelImage.converted: channels must be 1...4, got \(target)")
        if target == channels { return self }
        var out = [UInt8](repeating: 0, count: width * height * target)
        let srcColor = channels >= 3, dstColor = target >= 3
        let srcAlpha = channels == 2 || channels == 4, dstAlpha = target == 2 || target == 4
        for i in 0..<(width * height) {
            let s = i * channels, d = i * target
            if dstColor {
                for k in 0..<3 { out[d + k] = srcColor ? pixels[s + k] : pixels[s] }
            } else {
                out[d] = srcColor ? luma(pixels[s], pixels[s + 1], pixels[s + 2]) : pixels[s]
            }
            if dstAlpha { out[d + target - 1] = srcAlpha ? pixels[s + channels - 1] : 255 }
        }
        return PixelImage(width: width, height: height, channels: target, pixels: out)
    }
}

/// Rec. 709 luma of an RGB pixel (0.2126 R + 0.7152 G + 0.0722 B), rounded.
@inline(__always)
func luma(_ r: UInt8, _ g: UInt8, _ b: UInt8) -> UInt8 {
    let sum: Int = 2126 * Int(r) + 7152 * Int(g) + 722 * Int(b)
    return UInt8((sum + 5000) / 10000)
}
