import TensorCore

/// N points of dimension d in Double, row-major: samples, or features of samples.
public struct FeatureSet: Sendable {
    public let count: Int
    public let dimension: Int
    public let values: [Double]

    public init(values: [Double], count: Int, dimension: Int) {
        precondition(values.count == count * dimension, "FeatureSet: \(values.count) values for \(count)×\(dimension)")
        self.values = values
        self.count = count
        self.dimension = dimension
    }

    /// The rows of a [N, …] tensor, flattened.
    public init(_ x: Tensor) {
        precondition(x.rank >= 1, "FeatureSet: need a batch axis")
        let n = x.shape[0]
        self.init(values: x.scalars.map(Double.init), count: n, dimension: n == 0 ? 0 : x.count / n)
    }

    /// Row i.
    public func row(_ i: Int) -> ArraySlice<Double> { values[(i * dimension)..<((i + 1) * dimension)] }

    /// Rows lo..<hi.
    public func rows(_ range: Range<Int>) -> FeatureSet {
        FeatureSet(values: Array(values[(range.lowerBound * dimension)..<(range.upperBound * dimension)]),
                   count: range.count, dimension: dimension)
    }

    /// The rows `indices` in that order (repeats allowed: a bootstrap resample).
    public func rows(_ indices: [Int]) -> FeatureSet {
        var out = [Double]()
        out.reserveCapacity(indices.count * dimension)
        for i in indices { out += values[(i * dimension)..<((i + 1) * dimension)] }
        return FeatureSet(values: out, count: indices.count, dimension: dimension)
    }

    /// Squared Euclidean distance between row i of self and row j of `other`.
    @inline(__always)
    func squaredDistance(_ i: Int, _ other: FeatureSet, _ j: Int) -> Double {
        withRows(i, other, j) { a, b in
            var s = 0.0
            for k in 0..<dimension { let e = a[k] - b[k]; s += e * e }
            return s
        }
    }

    /// Dot product of row i of self and row j of `other`.
    @inline(__always)
    func dot(_ i: Int, _ other: FeatureSet, _ j: Int) -> Double {
        withRows(i, other, j) { a, b in
            var s = 0.0
            for k in 0..<dimension { s += a[k] * b[k] }
            return s
        }
    }

    /// `body` on pointers to row i of self and row j of `other`.
    @inline(__always)
    func withRows(_ i: Int, _ other: FeatureSet, _ j: Int, _ body: (UnsafePointer<Double>, UnsafePointer<Double>) -> Double) -> Double {
        values.withUnsafeBufferPointer { a in
            other.values.withUnsafeBufferPointer { b in body(a.baseAddress! + i * dimension, b.baseAddress! + j * dimension) }
        }
    }

    /// Column means.
    public var mean: [Double] {
        var m = [Double](repeating: 0, count: dimension)
        for i in 0..<count { for j in 0..<dimension { m[j] += values[i * dimension + j] } }
        return m.map { $0 / Double(Swift.max(count, 1)) }
    }

    /// Sample covariance (divisor N − 1), row-major d×d.
    public var covariance: [Double] {
        let d = dimension, m = mean
        var c = [Double](repeating: 0, count: d * d)
        var centred = [Double](repeating: 0, count: d)
        for i in 0..<count {
            for j in 0..<d { centred[j] = values[i * d + j] - m[j] }
            for a in 0..<d {
                let ca = centred[a]
                if ca == 0 { continue }
                for b in 0...a { c[a * d + b] += ca * centred[b] }
            }
        }
        let scale = 1 / Double(Swift.max(count - 1, 1))
        for a in 0..<d { for b in 0...a { c[a * d + b] *= scale; c[b * d + a] = c[a * d + b] } }
        return c
    }
}
