import TensorCore

extension GaussianMixture {
    /// The mixture's classes are its components: class k is component k, named "k".
    public var classNames: [String] { (0..<componentCount).map(String.init) }

    /// Component k alone (weight 1): the exact conditional p₀(x | c = k), seen through the same path.
    public func component(_ k: Int) -> GaussianMixture {
        precondition((0..<componentCount).contains(k), "GaussianMixture.component: \(k) is not one of \(componentCount) components")
        let d = dimension
        var m = self
        m.weights = [1]
        m.mu = Array(mu[(k * d)..<((k + 1) * d)])
        m.sd = Array(sd[(k * d)..<((k + 1) * d)])
        return m
    }

    /// Exact conditional evaluation: rows of class k see component k alone, nil rows the whole mixture.
    public func evaluate(_ x: Tensor, t: Double, classes: [Int?]) -> Tensor {
        byClass(x, classes) { model, rows in [model.evaluate(rows, t: t)] }[0]
    }

    /// Exact conditional fields (finite at both ends of the path, like `fields`).
    public func fields(_ x: Tensor, t: Double, classes: [Int?]) -> Fields {
        let r = byClass(x, classes) { model, rows in
            let f = model.fields(rows, t: t)
            return [f.x0, f.epsilon, f.velocity, f.score]
        }
        return Fields(x0: r[0], epsilon: r[1], velocity: r[2], score: r[3])
    }

    /// Runs `body` on the rows of each class with that class's model and puts the outputs back in row order.
    private func byClass(_ x: Tensor, _ classes: [Int?], _ body: (GaussianMixture, Tensor) -> [Tensor]) -> [Tensor] {
        let batch = checkBatch(x, op: "evaluate")
        precondition(classes.count == batch, "GaussianMixture: \(classes.count) classes for \(batch) rows")
        if classes.allSatisfy({ $0 == nil }) { return body(self, x) }
        let per = x.count / Swift.max(batch, 1)
        let xs = x.scalars
        var outputs: [[Float]] = []
        for c in Set(classes.map { $0 ?? -1 }).sorted() {
            let rows = classes.indices.filter { (classes[$0] ?? -1) == c }
            let sub = Tensor(rows.flatMap { xs[($0 * per)..<(($0 + 1) * per)] }, shape: [rows.count] + sampleShape)
            let results = body(c < 0 ? self : component(c), sub)
            if outputs.isEmpty { outputs = results.map { _ in [Float](repeating: 0, count: x.count) } }
            for (o, result) in results.enumerated() {
                let values = result.scalars
                for (j, row) in rows.enumerated() {
                    for e in 0..<per { outputs[o][row * per + e] = values[j * per + e] }
                }
            }
        }
        return outputs.map { Tensor($0, shape: x.shape) }
    }
}
