/// Vectorizable elementary functions for Float32 kernels.
///
/// Foundation's scalar `expf` runs at ~0.3 Gelem/s here; these plain-Swift
/// polynomial versions auto-vectorize (see PLATFORM-NOTES.md).

/// e^x with relative error below 2e-7 on [-87, 88]; clamps outside.
///
/// Range reduction x = n·ln2 + r, |r| ≤ ln2/2 (Cody–Waite split of ln2), then
/// the degree-6 Taylor polynomial of e^r (truncation error r⁷/7! < 1.3e-7) and
/// scaling by 2ⁿ through the exponent bits.
@inline(__always)
public func fastExp(_ x: Float) -> Float {
    let xc = Swift.min(Swift.max(x, -87.0), 88.0)
    // n = round(x·log2 e) through the 1.5·2²³ magic number: the rounded integer lands in
    // the low mantissa bits of t, so no trapping Float→Int conversion blocks vectorization.
    let t = xc * 1.442695040888963 + 12582912.0
    let n = t - 12582912.0
    var r = xc - n * 0.693359375          // ln2 high part (exact in Float)
    r = r - n * (-2.12194440e-4)          // ln2 low part
    var p: Float = 1.0 / 720
    p = p * r + 1.0 / 120
    p = p * r + 1.0 / 24
    p = p * r + 1.0 / 6
    p = p * r + 0.5
    p = p * r + 1
    p = p * r + 1
    let bits = (t.bitPattern &- 0x4B40_0000 &+ 127) << 23
    return p * Float(bitPattern: bits)
}

/// Logistic sigmoid 1 / (1 + e^−x), through `fastExp`.
@inline(__always)
public func fastSigmoid(_ x: Float) -> Float { 1 / (1 + fastExp(-x)) }
