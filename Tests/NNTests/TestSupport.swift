import TensorCore
import NN

/// A module holding one parameter tensor under the key "p" (for optimizer tests).
final class Holder: Module {
    var p: Tensor
    init(_ values: [Float]) { p = Tensor(values) }
    func visitParameters(_ body: (String, inout Tensor) -> Void) { body("p", &p) }
}

/// Standard normal tensor of `shape` from a seed (row-keyed on a leading axis of 1).
func randn(_ shape: [Int], seed: UInt64) -> Tensor {
    Tensor.randomNormal([1] + shape, key: RandomKey(seed: seed)).reshaped(shape)
}

/// max |a − b| / max |b|: the error of `a` relative to the largest entry of reference `b`.
func relativeError(_ a: Tensor, _ b: Tensor) -> Float {
    precondition(a.shape == b.shape, "relativeError: shapes \(a.shape) and \(b.shape) differ")
    let x = a.scalars, y = b.scalars
    var diff: Float = 0, scale: Float = 1e-30
    for i in 0..<x.count { diff = max(diff, abs(x[i] - y[i])); scale = max(scale, abs(y[i])) }
    return diff / scale
}
