/// Vectorizable elementary functions for Float32 kernels.
///
/// Foundation's scalar `expf` runs at ~0.3 Gelem/s here; these plain-Swift
/// polynomial versions auto-vectorize (see PLATFORM-NOTES.md).

/// e^x with relative error below 2e-7 on [-87, 88]; clamps outside.
///
/// Range reduction x = n·ln2 + r, |r| ≤ ln2/2 (Cody–Waite split of ln2), then
/// the degree-6 Taylor polynomial of e^r (truncation error r⁷/7! < 1.3e-7) by Horner's rule
/// and scaling by 2ⁿ through the exponent bits. Every multiply-add is one fused multiply-add
/// (`addingProduct`, rounded once): 10 instead of 20 operations, and the GEMM epilogue
/// (`Sources/DriftKernels/activation.h`) repeats them operation for operation.
@inline(__always)
public func fastExp(_ x: Float) -> Float {
    let xc = Swift.min(Swift.max(x, -87.0), 88.0)
    // n = round(x·log2 e) through the 1.5·2²³ magic number: the rounded integer lands in
    // the low mantissa bits of t, so no trapping Float→Int conversion blocks vectorization.
    let t = Float(12582912.0).addingProduct(xc, 1.442695040888963)
    let n = t - 12582912.0
    var r = xc.addingProduct(-n, 0.693359375)      // ln2 high part (n·ln2hi is exact)
    r = r.addingProduct(-n, -2.12194440e-4)        // ln2 low part
    var p: Float = 1.0 / 720
    p = Float(1.0 / 120).addingProduct(p, r)
    p = Float(1.0 / 24).addingProduct(p, r)
    p = Float(1.0 / 6).addingProduct(p, r)
    p = Float(0.5).addingProduct(p, r)
    p = Float(1).addingProduct(p, r)
    p = Float(1).addingProduct(p, r)
    let bits = (t.bitPattern &- 0x4B40_0000 &+ 127) << 23
    return p * Float(bitPattern: bits)
}

/// Logistic sigmoid 1 / (1 + e^−x), through `fastExp`.
@inline(__always)
public func fastSigmoid(_ x: Float) -> Float { 1 / (1 + fastExp(-x)) }

/// SiLU x·σ(x), as x / (1 + e^−x): one division, no multiply.
@inline(__always)
public func fastSiLU(_ x: Float) -> Float { x / (1 + fastExp(-x)) }
