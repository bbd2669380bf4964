/// Resampling and cropping, for turning a folder of photos into a training set.
extension PixelImage {
    /// How `resized` computes each output pixel.
    public enum ResizeFilter: Sendable {
        /// Linear interpolation between the two nearest source pixels per axis,
        /// pixel centres aligned (`align_corners = false`). Good for enlarging;
        /// aliases when shrinking by more than 2×.
        case bilinear
        /// Average over the exact source area the output pixel covers (box
        /// filter with fractional edge weights, like OpenCV's INTER_AREA).
        /// Good for shrinking.
        case area
    }

    /// The image resampled to `width × height`, separably (rows, then
    /// columns), in float, rounded to nearest.
    public func resized(width newWidth: Int, height newHeight: Int, filter: ResizeFilter) -> PixelImage {
        precondition(newWidth > 0 && newHeight > 0 && width > 0 && height > 0,
                     "PixelImage.resized: \(width)x\(height) → \(newWidth)x\(newHeight)")
        if newWidth == width && newHeight == height { return self }
        let wx = Self.weights(from: width, to: newWidth, filter)
        let wy = Self.weights(from: height, to: newHeight, filter)
        // Horizontal pass: height × newWidth × channels floats.
        var tmp = [Float](repeating: 0, count: height * newWidth * channels)
        for y in 0..<height {
            for (ox, taps) in wx.enumerated() {
                for c in 0..<channels {
                    var acc: Float = 0
                    for (i, w) in taps { acc += w * Float(pixels[(y * width + i) * channels + c]) }
                    tmp[(y * newWidth + ox) * channels + c] = acc
                }
            }
        }
        var out = [UInt8](repeating: 0, count: newHeight * newWidth * channels)
        for (oy, taps) in wy.enumerated() {
            for x in 0..<(newWidth * channels) {
                var acc: Float = 0
                for (i, w) in taps { acc += w * tmp[i * newWidth * channels + x] }
                out[oy * newWidth * channels + x] = UInt8(max(0, min(255, acc.rounded())))
            }
        }
        return PixelImage(width: newWidth, height: newHeight, channels: channels, pixels: out)
    }

    /// The centred `width × height` region (the image must be at least that large).
    public func centerCropped(width cw: Int, height ch: Int) -> PixelImage {
        precondition(cw > 0 && ch > 0 && cw <= width && ch <= height,
                     "PixelImage.centerCropped: \(cw)x\(ch) from \(width)x\(height)")
        let x0 = (width - cw) / 2, y0 = (height - ch) / 2
        var out = [UInt8]()
        out.reserveCapacity(cw * ch * channels)
        for y in y0..<(y0 + ch) {
            out += pixels[((y * width + x0) * channels)..<((y * width + x0 + cw) * channels)]
        }
        return PixelImage(width: cw, height: ch, channels: channels, pixels: out)
    }

    /// Scaled (keeping the aspect ratio) until it covers `width × height`,
    /// then center-cropped to exactly that size. Shrinking uses `.area`,
    /// enlarging `.bilinear`.
    public func resizedToFill(width tw: Int, height th: Int) -> PixelImage {
        precondition(tw > 0 && th > 0 && width > 0 && height > 0, "PixelImage.resizedToFill: \(width)x\(height) → \(tw)x\(th)")
        let s = max(Double(tw) / Double(width), Double(th) / Double(height))
        let sw = max(tw, Int((Double(width) * s).rounded()))
        let sh = max(th, Int((Double(height) * s).rounded()))
        return resized(width: sw, height: sh, filter: s < 1 ? .area : .bilinear).centerCropped(width: tw, height: th)
    }

    /// For each output index, the (source index, weight) taps; weights sum to 1.
    static func weights(from n: Int, to m: Int, _ filter: ResizeFilter) -> [[(Int, Float)]] {
        let ratio = Double(n) / Double(m)
        return (0..<m).map { o in
            switch filter {
            case .bilinear:
                let s = min(max((Double(o) + 0.5) * ratio - 0.5, 0), Double(n - 1))
                let i0 = Int(s.rounded(.down)), i1 = min(i0 + 1, n - 1)
                let f = Float(s - Double(i0))
                return f == 0 ? [(i0, Float(1))] : [(i0, 1 - f), (i1, f)]
            case .area:
                let lo = Double(o) * ratio, hi = Double(o + 1) * ratio
                var taps: [(Int, Float)] = []
                var i = Int(lo.rounded(.down))
                while Double(i) < hi && i < n {
                    let overlap = min(hi, Double(i + 1)) - max(lo, Double(i))
                    if overlap > 1e-12 { taps.append((i, Float(overlap / ratio))) }
                    i += 1
                }
                return taps
            }
        }
    }
}
