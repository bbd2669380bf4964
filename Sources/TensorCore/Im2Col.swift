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

    /// Writes the column matrix of image `x` into `col` (row stride `ld`).
    func im2col(_ x: UnsafePointer<Float>, _ col: UnsafeMutablePointer<Float>, ld: Int) {
        let (ho, wo, s, p) = (outH, outW, stride, padding)
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
    func col2imAdd(_ col: UnsafePointer<Float>, ld: Int, _ dx: UnsafeMutablePointer<Float>) {
        let (ho, wo, s, p) = (outH, outW, stride, padding)
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
