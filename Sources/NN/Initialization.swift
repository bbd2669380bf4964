import TensorCore

/// PyTorch's default initialization of Linear and Conv2d layers.
///
/// `kaiming_uniform_(w, a=√5)` draws from U(−b, b) with
/// b = gain·√(3/fan_in), gain = √(2/(1 + a²)) = √(1/3), so b = 1/√fan_in;
/// the bias uses the same bound. fan_in = in_features (Linear) or
/// C_in·kh·kw (Conv2d). Values come from the counter-based stream of `key`,
/// so a layer's initial weights depend only on its key.
enum DefaultInit {
    /// U(−1/√fanIn, 1/√fanIn) of the given shape.
    static func uniform(_ shape: [Int], fanIn: Int, key: RandomKey) -> Tensor {
        let bound = 1 / Float(fanIn).squareRoot()
        let u = Tensor.randomUniform([1, shape.reduce(1, *)], key: key).reshaped(shape)
        return u.affine(scale: 2 * bound, shift: -bound)
    }
}
