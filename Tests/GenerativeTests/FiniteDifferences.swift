import Foundation

/// First and second derivatives of f at x by central differences with steps h and h/2 combined
/// by Richardson extrapolation (error O(h⁴)). Use h a power of two and x representable so that
/// x ± h are exact in Float.
func derivatives(_ f: (Float) -> Double, at x: Float, h: Float) -> (first: Double, second: Double) {
    func central(_ h: Float) -> (Double, Double) {
        let (fp, f0, fm) = (f(x + h), f(x), f(x - h)), hd = Double(h)
        return ((fp - fm) / (2 * hd), (fp - 2 * f0 + fm) / (hd * hd))
    }
    let (a1, a2) = central(h), (b1, b2) = central(h / 2)
    return ((4 * b1 - a1) / 3, (4 * b2 - a2) / 3)
}

/// dg/dt at t by Richardson-extrapolated central differences in Double.
func timeDerivative(_ g: (Double) -> Double, at t: Double, h: Double) -> Double {
    let coarse = (g(t + h) - g(t - h)) / (2 * h), fine = (g(t + h / 2) - g(t - h / 2)) / h
    return (4 * fine - coarse) / 3
}
