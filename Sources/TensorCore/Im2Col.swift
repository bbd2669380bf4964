/// The im2col / col2im transforms that turn a 2-D convolution into a GEMM
/// (Chellapilla et al. 2006, "High performance convolutional neural networks
/// for document processing").
///
/// For one image x[C, H, W] and a kh×kw kernel with stride s and zero padding p,
/// column matrix row r = (c·kh + i)·kw + j, column q = oy·Wo + ox holds
/// x[c, oy·s − p + i, ox·s − p + j] (zero outside the image). Rows are written with
/// leading dimension `ld` so several images can sit side by side in one matrix.
struct ConvGeometry {
    let channels: Int, height: Int, width: Int
    let kernelH: Int, kernelW: Int, stride: Int, padding: Int
    var outH: Int { (height + 2 * padding - kernelH) / stride + 1 }
    var outW: Int { (width + 2 * padding - kernelW) / stride + 1 }
    /// Rows of the column matrix (C·kh·kw).
    var patch: Int { channels * kernelH * kernelW }
    /// Output pixels per image.
    var pixels: Int { outH * outW }
    /// Whether the convolution is a plain matrix product (1×1, stride 1, no padding).
    var isPointwise: Bool { kernelH == 1 && kernelW == 1 && stride == 1 && padding == 0 }

    /// Range of output columns ox whose input column ox·s − p + j lies inside [0, W).
    @inline(__always)
    func validColumns(_ j: Int) -> Range<Int> {
        let lo = Swift.max(0, (padding - j + stride - 1) / stride)
        let hiRaw = width - 1 + padding - j
        let hi = hiRaw < 0 ? 0 : Swift.min(outW, hiRaw / stride + 1)
        return lo..<Swift.max(lo, hi)
    }

    /// Whether a column-matrix row is the image plane shifted as one flat block
    /// (stride 1, output as wide as the input: "same" padding).
    var isFlatShift: Bool { stride == 1 && outW == width }

    /// For the flat-shift case: output rows oy whose input row lies inside the image,
    /// and the flat offset of input element (oy + i − p, ox + j − p) from output index oy·W + ox.
    @inline(__always)
    func flatShift(_ i: Int, _ j: Int) -> (rows: Range<Int>, shift: Int) {
        let lo = Swift.max(0, padding - i), hi = Swift.min(outH, height + padding - i)
        return (lo..<Swift.max(lo, hi), (i - padding) * width + (j - padding))
    }

    /// Writes the column matrix of image `x` into `col` (row stride `ld`).
    func im2col(_ x: UnsafePointer<Float>, _ col: UnsafeMutablePointer<Float>, ld: Int) {
        let (ho, wo, s, p) = (outH, outW, stride, padding)
        if isFlatShift {
            // One contiguous copy per row, then zero the entries that fall in the padding.
            let plane = height * width
            for c in 0..<channels {
                let src = x + c * plane
                for i in 0..<kernelH {
                    for j in 0..<kernelW {
                        let d = col + ((c * kernelH + i) * kernelW + j) * ld
                        let (rows, shift) = flatShift(i, j)
                        var q0 = rows.lowerBound * wo, q1 = rows.upperBound * wo
                        d.update(repeating: 0, count: q0)
                        (d + q1).update(repeating: 0, count: ho * wo - q1)
                        // Clip so reads stay inside the plane (clipped entries are padding, zeroed below).
                        q0 = Swift.max(q0, -shift); q1 = Swift.min(q1, plane - shift)
                        if q1 > q0 { (d + q0).update(from: src + q0 + shift, count: q1 - q0) }
                        let cols = validColumns(j)
                        for oy in rows {
                            let r = d + oy * wo
                            for ox in 0..<cols.lowerBound { r[ox] = 0 }
                            for ox in cols.upperBound..<wo { r[ox] = 0 }
                        }
                    }
                }
            }
            return
        }
        for c in 0..<channels {
            let plane = x + c * height * width
            for i in 0..<kernelH {
                for j in 0..<kernelW {
                    let dst = col + ((c * kernelH + i) * kernelW + j) * ld
                    let cols = validColumns(j)
                    for oy in 0..<ho {
                        let d = dst + oy * wo
                        let iy = oy * s - p + i
                        if iy < 0 || iy >= height || cols.isEmpty {
                            d.update(repeating: 0, count: wo)
                            continue
                        }
                        if cols.lowerBound > 0 { d.update(repeating: 0, count: cols.lowerBound) }
                        let src = plane + iy * width - p + j
                        if s == 1 {
                            (d + cols.lowerBound).update(from: src + cols.lowerBound, count: cols.count)
                        } else {
                            for ox in cols { d[ox] = src[ox * s] }
                        }
                        if cols.upperBound < wo { (d + cols.upperBound).update(repeating: 0, count: wo - cols.upperBound) }
                    }
                }
            }
        }
    }

    /// Adds the column matrix `col` (row stride `ld`) back into image gradient `dx` (the adjoint of `im2col`).
    /// Whether the kernel's centre tap sees the whole image (stride 1, output the size of the
    /// input): then `col2imStore` can write its row instead of adding, and needs no zeroed `dx`.
    var centreCoversImage: Bool { isFlatShift && outH == height && kernelH == 2 * padding + 1 && kernelW == 2 * padding + 1 }

    /// Like `col2imAdd` but overwrites `dx` (which need not be zeroed); requires `centreCoversImage`.
    func col2imStore(_ col: UnsafeMutablePointer<Float>, ld: Int, _ dx: UnsafeMutablePointer<Float>) {
        precondition(centreCoversImage, "col2imStore: geometry \(self) has no full-image centre tap")
        let plane = height * width
        for c in 0..<channels {
            let r = col + ((c * kernelH + padding) * kernelW + padding) * ld
            (dx + c * plane).update(from: r, count: plane)
        }
        col2imAdd(col, ld: ld, dx, skipCentre: true)
    }

    /// `col` is scratch: the flat-shift path zeroes its padding entries in place.
    func col2imAdd(_ col: UnsafeMutablePointer<Float>, ld: Int, _ dx: UnsafeMutablePointer<Float>, skipCentre: Bool = false) {
        let (ho, wo, s, p) = (outH, outW, stride, padding)
        if isFlatShift {
            // Zero the padding entries of each row, then add it back as one contiguous block.
            let plane = height * width
            for c in 0..<channels {
                let d = dx + c * plane
                for i in 0..<kernelH {
                    for j in 0..<kernelW {
                        if skipCentre && i == p && j == p { continue }
                        let r = col + ((c * kernelH + i) * kernelW + j) * ld
                        let (rows, shift) = flatShift(i, j)
                        let cols = validColumns(j)
                        for oy in rows {
                            let line = r + oy * wo
                            for ox in 0..<cols.lowerBound { line[ox] = 0 }
                            for ox in cols.upperBound..<wo { line[ox] = 0 }
                        }
                        let q0 = Swift.max(rows.lowerBound * wo, -shift), q1 = Swift.min(rows.upperBound * wo, plane - shift)
                        if q1 > q0 {
                            let dd = d + shift
                            for q in q0..<q1 { dd[q] += r[q] }
                        }
                    }
                }
            }
            return
        }
        for c in 0..<channels {
            let plane = dx + c * height * width
            for i in 0..<kernelH {
                for j in 0..<kernelW {
                    let src = col + ((c * kernelH + i) * kernelW + j) * ld
                    let cols = validColumns(j)
                    if cols.isEmpty { continue }
                    for oy in 0..<ho {
                        let iy = oy * s - p + i
                        if iy < 0 || iy >= height { continue }
                        let d = plane + iy * width - p + j, v = src + oy * wo
                        if s == 1 {
                            for ox in cols { d[ox] += v[ox] }
                        } else {
                            for ox in cols { d[ox * s] += v[ox] }
                        }
                    }
                }
            }
        }
    }
}
