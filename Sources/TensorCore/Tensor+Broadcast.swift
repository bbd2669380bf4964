/// NumPy broadcasting: shapes are aligned on their trailing dimensions and a
/// dimension of extent 1 stretches to match the other.

extension Tensor {
    /// The broadcast shape of `a` and `b`, or a precondition failure naming `op` and both shapes.
    public static func broadcastShape(_ a: [Int], _ b: [Int], op: String) -> [Int] {
        let r = Swift.max(a.count, b.count)
        var out = [Int](repeating: 1, count: r)
        for i in 0..<r {
            let da = i < r - a.count ? 1 : a[i - (r - a.count)]
            let db = i < r - b.count ? 1 : b[i - (r - b.count)]
            precondition(da == db || da == 1 || db == 1,
                         "\(op): shapes \(a) and \(b) cannot be broadcast together")
            out[i] = da == 1 ? db : da
        }
        return out
    }

    /// Sums this tensor (a cotangent of broadcast shape) down to `target`, the
    /// shape of an operand before broadcasting.
    public func sumToShape(_ target: [Int]) -> Tensor {
        if shape == target { return self }
        let lead = rank - target.count
        precondition(lead >= 0, "sumToShape: cannot reduce shape \(shape) to \(target)")
        var axes: [Int] = Array(0..<lead)
        for (i, d) in target.enumerated() where d == 1 && shape[lead + i] != 1 { axes.append(lead + i) }
        let reduced = axes.isEmpty ? self : sum(axes: axes, keepDims: true)
        return reduced.reshaped(target)
    }
}

/// Loop plan for a broadcast binary kernel: the output is walked as `outer`
/// rows of `inner` contiguous elements; each operand advances by its own
/// stride in the inner loop (0 or 1) and has its own offset per row.
struct BroadcastPlan {
    let outShape: [Int]
    let inner: Int
    let innerStrideA: Int
    let innerStrideB: Int
    let outerShape: [Int]
    let outerStridesA: [Int]
    let outerStridesB: [Int]

    init(_ a: [Int], _ b: [Int], op: String) {
        let out = Tensor.broadcastShape(a, b, op: op)
        outShape = out
        let r = out.count
        func strides(_ s: [Int]) -> [Int] {
            let padded = [Int](repeating: 1, count: r - s.count) + s
            var st = Tensor.strides(of: padded)
            for i in 0..<r where padded[i] == 1 && out[i] != 1 { st[i] = 0 }
            return st
        }
        var sa = strides(a), sb = strides(b)
        var dims = out
        // Drop extent-1 dimensions, then merge neighbours that are contiguous in both operands.
        var keep = (0..<r).filter { dims[$0] != 1 }
        if keep.isEmpty { keep = [] }
        dims = keep.map { dims[$0] }; sa = keep.map { sa[$0] }; sb = keep.map { sb[$0] }
        var md: [Int] = [], ma: [Int] = [], mb: [Int] = []
        for i in 0..<dims.count {
            if let last = md.indices.last,
               ma[last] == sa[i] * dims[i], mb[last] == sb[i] * dims[i] {
                md[last] *= dims[i]; ma[last] = sa[i]; mb[last] = sb[i]
            } else {
                md.append(dims[i]); ma.append(sa[i]); mb.append(sb[i])
            }
        }
        if md.isEmpty { md = [1]; ma = [0]; mb = [0] }
        inner = md.last!
        innerStrideA = ma.last!
        innerStrideB = mb.last!
        outerShape = Array(md.dropLast())
        outerStridesA = Array(ma.dropLast())
        outerStridesB = Array(mb.dropLast())
    }

    var outerCount: Int { outerShape.reduce(1, *) }

    /// Element offsets of operand A and B for outer row `row`.
    @inline(__always)
    func offsets(row: Int) -> (Int, Int) {
        var rem = row, oa = 0, ob = 0
        for d in stride(from: outerShape.count - 1, through: 0, by: -1) {
            let i = rem % outerShape[d]
            rem /= outerShape[d]
            oa += i * outerStridesA[d]
            ob += i * outerStridesB[d]
        }
        return (oa, ob)
    }
}
