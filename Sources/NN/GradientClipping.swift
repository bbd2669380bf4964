import TensorCore

/// Clips gradients by their global norm, like `torch.nn.utils.clip_grad_norm_`:
///
///     ‖g‖ = √(Σ_keys Σ_i g_i²)   (accumulated in Double)
///     g ← g · min(1, maxNorm / (‖g‖ + 1e-6))
///
/// Returns ‖g‖ before clipping. Clipped gradients are new tensors (gradient
/// tensors from `backward` may share storage with each other).
@discardableResult
public func clipGradientNorm(_ gradients: inout [String: Tensor], maxNorm: Float) -> Float {
    precondition(maxNorm > 0, "clipGradientNorm: maxNorm must be positive, got \(maxNorm)")
    let norm = globalNorm(gradients)
    let coef = Double(maxNorm) / (norm + 1e-6)
    if coef < 1 {
        for key in gradients.keys { gradients[key] = gradients[key]! * Float(coef) }
    }
    return Float(norm)
}

/// √(Σ g²) over all tensors, accumulated in Double.
public func globalNorm(_ tensors: [String: Tensor]) -> Double {
    var total = 0.0
    for (_, g) in tensors.sorted(by: { $0.key < $1.key }) {
        g.withUnsafeBufferPointer { p in
            var s: Float = 0, acc = 0.0
            for (i, x) in p.enumerated() {
                s += x * x
                if i & 1023 == 1023 { acc += Double(s); s = 0 }
            }
            total += acc + Double(s)
        }
    }
    return total.squareRoot()
}
