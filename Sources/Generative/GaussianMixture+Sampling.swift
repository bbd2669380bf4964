import TensorCore

extension GaussianMixture {
    /// n exact samples of the data distribution p₀, shape [n] + sampleShape.
    ///
    /// Row i draws its component from `key.fold("component")` and its Gaussian noise from
    /// `key.fold("noise")`, both at sample index firstSample + i: rows never depend on n or the split.
    public func sample(_ n: Int, key: RandomKey, firstSample: Int = 0) -> Tensor {
        let d = dimension
        return drawMixture(n, key: key, firstSample: firstSample,
                           mean: { c, j in mu[c * d + j] }, std: { c, j in sd[c * d + j] })
    }

    /// n exact samples of the path marginal p_t (the mixture of `marginal(at: t)`).
    public func sample(_ n: Int, at t: Double, key: RandomKey, firstSample: Int = 0) -> Tensor {
        let a = path.alpha(t), s = path.sigma(t), d = dimension
        return drawMixture(n, key: key, firstSample: firstSample,
                           mean: { c, j in a * mu[c * d + j] },
                           std: { c, j in
                               let v = a * sd[c * d + j]
                               return (v * v + s * s).squareRoot()
                           })
    }

    /// The component (class) of each of the n samples `sample(n, key:firstSample:)` draws.
    public func sampleComponents(_ n: Int, key: RandomKey, firstSample: Int = 0) -> [Int] {
        let u = Tensor.randomUniform([n, 1], key: key.fold("component"), firstSample: firstSample).scalars
        return u.map { componentIndex(uniform: $0) }
    }

    /// The component whose cumulative weight interval holds u·Σw.
    func componentIndex(uniform u: Float) -> Int {
        let total = weights.reduce(0, +)
        let target = Double(u) * total
        var acc = 0.0
        for (c, w) in weights.enumerated() {
            acc += w
            if target < acc { return c }
        }
        return componentCount - 1
    }

    func drawMixture(_ n: Int, key: RandomKey, firstSample: Int,
                     mean: (Int, Int) -> Double, std: (Int, Int) -> Double) -> Tensor {
        precondition(n >= 0, "GaussianMixture.sample: sample count must be ≥ 0, got \(n)")
        let d = dimension
        let u = Tensor.randomUniform([n, 1], key: key.fold("component"), firstSample: firstSample).scalars
        let z = Tensor.randomNormal([n, d], key: key.fold("noise"), firstSample: firstSample).scalars
        var out = [Float](repeating: 0, count: n * d)
        for i in 0..<n {
            let c = componentIndex(uniform: u[i])
            for j in 0..<d { out[i * d + j] = Float(mean(c, j) + std(c, j) * Double(z[i * d + j])) }
        }
        return Tensor(out, shape: [n] + sampleShape)
    }
}
