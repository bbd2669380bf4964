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
    let xc = min(max(x, -87.0), 88.0)
    let n = (xc * 1.442695040888963).rounded(.toNearestOrEven)
    var r = xc - n * 0.693359375          // ln2 high part (exact in Float)
    r = r - n * (-2.12194440e-4)          // ln2 low part
    var p: Float = 1.0 / 720
    p = p * r + 1.0 / 120
    p = p * r + 1.0 / 24
    p = p * r + 1.0 / 6
    p = p * r + 0.5
    p = p * r + 1
    p = p * r + 1
    let bits = UInt32(bitPattern: Int32(n) + 127) << 23
    return p * Float(bitPattern: bits)
}

/// Logistic sigmoid 1 / (1 + e^−x), through `fastExp`.
@inline(__always)
public func fastSigmoid(_ x: Float) -> Float { 1 / (1 + fastExp(-x)) }
