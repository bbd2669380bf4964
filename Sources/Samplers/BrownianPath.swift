import TensorCore

/// A virtual Brownian tree: one Brownian motion W(t) per sample on a fixed time span,
/// queryable at any time, that depends only on (key, sample index).
///
/// W(lo) = 0 and W(hi) ~ N(0, hi − lo). Every interval [a, b] of the dyadic tree over the span
/// has its midpoint drawn from the Brownian bridge,
///
///     W(m) = ½(W(a) + W(b)) + ½√(b − a)·z,   z ~ N(0, I) keyed by the node (depth, index),
///
/// and a query descends the tree by bisection (Li et al. 2020, "Scalable gradients for
/// stochastic differential equations", virtual Brownian tree; Kidger et al. 2021, "Efficient
/// and accurate gradients for neural SDEs", Brownian interval). Below `depth` levels the value
/// at t is one bridge draw inside the leaf, keyed by t. Because every draw is keyed by the
/// counter-based generator (`RandomKey.fold` per node, `Tensor.randomNormal(firstSample:)` per
/// sample), the same seed gives the same path whatever the step count, batch split or thread
/// count: coarse and fine solutions see the same noise (strong convergence is measurable).
///
/// Queries are cached along the last descent, so a sequence of nearby queries (a sampler
/// walking its grid) redraws only the levels below their common ancestor.
///
/// Caveat: two queries inside one leaf (width (hi − lo)/2^depth) are drawn as independent
/// bridges, a covariance error of order that width.
public final class BrownianPath {
    /// The time span [lo, hi] the path covers.
    public let span: ClosedRange<Double>
    /// Shape of one draw: [batch] + sample shape.
    public let shape: [Int]
    let key: RandomKey
    let firstSample: Int
    let depth: Int

    struct Node {
        var lo: Double, hi: Double
        var wLo: Tensor, wHi: Tensor
        var index: UInt64
    }
    /// The last descent: stack[d] is the node at depth d containing the last query.
    var stack: [Node]
    var last: (t: Double, w: Tensor)?

    /// A path for rows firstSample ..< firstSample + shape[0]; `depth` bisection levels
    /// (default 24: leaves 6·10⁻⁸ of the span wide).
    public init(key: RandomKey, span: ClosedRange<Double>, shape: [Int], firstSample: Int = 0, depth: Int = 24) {
        precondition(span.upperBound > span.lowerBound, "BrownianPath: empty span \(span)")
        precondition(depth >= 1 && depth <= 50, "BrownianPath: depth \(depth) outside 1...50")
        self.span = span
        self.shape = shape
        self.key = key
        self.firstSample = firstSample
        self.depth = depth
        let length = span.upperBound - span.lowerBound
        let end = Tensor.randomNormal(shape, key: key.fold(UInt64.max), firstSample: firstSample) * Float(length.squareRoot())
        stack = [Node(lo: span.lowerBound, hi: span.upperBound, wLo: Tensor.zeros(shape), wHi: end, index: 0)]
    }

    /// W(t) for every sample.
    public func value(at t: Double) -> Tensor {
        precondition(span.contains(t), "BrownianPath: time \(t) outside the span \(span)")
        if let last, last.t == t { return last.w }
        while stack.count > 1, !(stack[stack.count - 1].lo <= t && t <= stack[stack.count - 1].hi) {
            stack.removeLast()
        }
        while true {
            let node = stack[stack.count - 1]
            if t == node.lo { return remember(t, node.wLo) }
            if t == node.hi { return remember(t, node.wHi) }
            let level = stack.count - 1
            if level == depth { return remember(t, bridge(node, at: t)) }
            let mid = 0.5 * (node.lo + node.hi)
            let z = noise(UInt64(level) << 52 | node.index)
            let wMid = Tensor.combination([(0.5, node.wLo), (0.5, node.wHi), (0.5 * (node.hi - node.lo).squareRoot(), z)])
            if t < mid {
                stack.append(Node(lo: node.lo, hi: mid, wLo: node.wLo, wHi: wMid, index: 2 * node.index))
            } else {
                stack.append(Node(lo: mid, hi: node.hi, wLo: wMid, wHi: node.wHi, index: 2 * node.index + 1))
            }
        }
    }

    /// W(t₁) − W(t₀) (either order of t₀, t₁): variance |t₁ − t₀| per element.
    public func increment(from t0: Double, to t1: Double) -> Tensor {
        let w0 = value(at: t0)
        return Tensor.combination([(1, value(at: t1)), (-1, w0)])
    }

    /// Brownian bridge inside a leaf: W(a) + (t−a)/(b−a)·(W(b) − W(a)) + √((t−a)(b−t)/(b−a))·z.
    func bridge(_ node: Node, at t: Double) -> Tensor {
        let length = node.hi - node.lo, u = (t - node.lo) / length
        let sd = ((t - node.lo) * (node.hi - t) / length).squareRoot()
        let z = key.fold(UInt64(depth + 1) << 52 | node.index).fold(t.bitPattern)
        return Tensor.combination([(1 - u, node.wLo), (u, node.wHi),
                                   (sd, Tensor.randomNormal(shape, key: z, firstSample: firstSample))])
    }

    /// The standard normal draw of one tree node, for every sample.
    func noise(_ node: UInt64) -> Tensor {
        Tensor.randomNormal(shape, key: key.fold(node), firstSample: firstSample)
    }

    func remember(_ t: Double, _ w: Tensor) -> Tensor {
        last = (t, w)
        return w
    }
}
