/// Shape manipulation: reshapes share storage; permutes, slices and concatenation copy.

extension Tensor {
    /// Same values with a new shape (one dimension may be −1 to infer). Shares storage.
    public func reshaped(_ newShape: [Int]) -> Tensor {
        var s = newShape
        if let i = s.firstIndex(of: -1) {
            let known = s.enumerated().filter { $0.offset != i }.reduce(1) { $0 * $1.element }
            precondition(known > 0 && count % known == 0, "reshape: cannot reshape \(shape) to \(newShape)")
            s[i] = count / known
        }
        precondition(s.reduce(1, *) == count, "reshape: cannot reshape \(shape) (\(count) elements) to \(newShape)")
        if s == shape { return self }
        let y = Tensor(shape: s, storage: storage)
        let inShape = shape
        if !isTracked { return y }
        return Tensor.record("reshape", y, inputs: [self], composable: true) { c in [c.grad.reshaped(inShape)] }
    }

    /// Flattens all dimensions from `startAxis` on into one.
    public func flattened(from startAxis: Int = 0) -> Tensor {
        reshaped(Array(shape[..<startAxis]) + [shape[startAxis...].reduce(1, *)])
    }

    // MARK: Permutation

    /// Reorders the dimensions: output dimension i is input dimension `axes[i]`
    /// (like `numpy.transpose(x, axes)`). Copies; the gradient is the inverse permutation.
    public func permuted(_ axes: [Int]) -> Tensor {
        precondition(axes.count == rank && Set(axes.map { Tensor.normalizeAxis($0, rank: rank, op: "permuted") }).count == rank,
                     "permuted: axes \(axes) are not a permutation of the \(rank) dimensions of shape \(shape)")
        let perm = axes.map { Tensor.normalizeAxis($0, rank: rank, op: "permuted") }
        if perm == Array(0..<rank) { return self }
        let out = Tensor.permuteKernel(self, perm)
        var inverse = [Int](repeating: 0, count: rank)
        for (i, p) in perm.enumerated() { inverse[p] = i }
        if !isTracked { return out }
        return Tensor.record("permute", out, inputs: [self], composable: true) { c in [c.grad.permuted(inverse)] }
    }

    /// Swaps the last two dimensions (matrix transpose, batched over leading dimensions).
    public func transposed() -> Tensor {
        precondition(rank >= 2, "transposed: shape \(shape) needs rank ≥ 2")
        var axes = Array(0..<rank)
        axes.swapAt(rank - 1, rank - 2)
        return permuted(axes)
    }

    /// The permutation copy (no tape). Adjacent axes that stay adjacent are merged
    /// first, so NCHW↔NHWC and [B,C,N]↔[B,N,C] become one batched 2-D transpose.
    static func permuteKernel(_ x: Tensor, _ perm: [Int]) -> Tensor {
        let outShape = perm.map { x.shape[$0] }
        let out = Tensor(uninitializedShape: outShape)
        if x.count == 0 { return out }
        // Merge runs of output axes that are consecutive input axes; drop extent-1 axes.
        var groups: [[Int]] = []
        for p in perm where x.shape[p] != 1 {
            if let last = groups.last?.last, last + 1 == p { groups[groups.count - 1].append(p) } else { groups.append([p]) }
        }
        // Merged input dims in input order, and the output order of those merged dims.
        let sortedGroups = groups.sorted { $0[0] < $1[0] }
        let inDims = sortedGroups.map { $0.reduce(1) { $0 * x.shape[$1] } }
        let inStrides = Tensor.strides(of: inDims)
        let order = groups.map { g in sortedGroups.firstIndex { $0[0] == g[0] }! }
        let dims = order.map { inDims[$0] }, srcStrides = order.map { inStrides[$0] }
        let src = x.storage.pointer, dst = out.storage.pointer
        if dims.count <= 1 {
            dst.update(from: src, count: x.count)
            return out
        }
        let r = dims.count
        if srcStrides[r - 2] == 1 && srcStrides[r - 1] == dims[r - 2] {
            // Batched transpose of [rows, cols] source blocks into [cols, rows], tiled.
            let rows = dims[r - 1], cols = dims[r - 2]     // source block is rows × cols
            let batch = dims[..<(r - 2)].reduce(1, *)
            let batchDims = Array(dims[..<(r - 2)]), batchStrides = Array(srcStrides[..<(r - 2)])
            let tile = 32
            let tilesR = (rows + tile - 1) / tile, tilesC = (cols + tile - 1) / tile
            parallelFor(batch * tilesR, grain: Swift.max(1, parallelGrain / (tile * Swift.max(cols, 1)))) { lo, hi in
                for job in lo..<hi {
                    let b = job / tilesR, tr = job % tilesR
                    var rem = b, off = 0
                    for d in stride(from: batchDims.count - 1, through: 0, by: -1) {
                        off += (rem % batchDims[d]) * batchStrides[d]; rem /= batchDims[d]
                    }
                    let s = src + off, o = dst + b * rows * cols
                    let r0 = tr * tile, r1 = Swift.min(rows, r0 + tile)
                    for tc in 0..<tilesC {
                        let c0 = tc * tile, c1 = Swift.min(cols, c0 + tile)
                        for c in c0..<c1 {
                            for rr in r0..<r1 { o[c * rows + rr] = s[rr * cols + c] }
                        }
                    }
                }
            }
            return out
        }
        // General case: walk output rows, gathering with the source stride of the last dim.
        let inner = dims[r - 1], innerStride = srcStrides[r - 1]
        let outerDims = Array(dims.dropLast()), outerStrides = Array(srcStrides.dropLast())
        let outer = outerDims.reduce(1, *)
        parallelFor(outer, grain: Swift.max(1, parallelGrain / inner)) { lo, hi in
            for row in lo..<hi {
                var rem = row, off = 0
                for d in stride(from: outerDims.count - 1, through: 0, by: -1) {
                    off += (rem % outerDims[d]) * outerStrides[d]; rem /= outerDims[d]
                }
                let s = src + off, o = dst + row * inner
                if innerStride == 1 {
                    o.update(from: s, count: inner)
                } else {
                    for i in 0..<inner { o[i] = s[i * innerStride] }
                }
            }
        }
        return out
    }

    // MARK: Slicing and concatenation

    /// Copies `rows` blocks of `length` floats from `src` (row stride `srcStride`) to `dst` (row stride `dstStride`).
    static func copyBlocks(_ src: UnsafePointer<Float>, srcStride: Int, _ dst: UnsafeMutablePointer<Float>, dstStride: Int,
                           length: Int, rows: Int) {
        parallelFor(rows, grain: Swift.max(1, parallelGrain / Swift.max(length, 1))) { lo, hi in
            for r in lo..<hi { (dst + r * dstStride).update(from: src + r * srcStride, count: length) }
        }
    }

    /// Elements `range` along `axis` (a copy). The gradient scatters into zeros.
    public func slice(axis: Int, _ range: Range<Int>) -> Tensor {
        let a = Tensor.normalizeAxis(axis, rank: rank, op: "slice")
        precondition(range.lowerBound >= 0 && range.upperBound <= shape[a],
                     "slice: range \(range) out of bounds for axis \(axis) of shape \(shape)")
        if range.count == shape[a] { return self }
        var outShape = shape; outShape[a] = range.count
        let out = Tensor(uninitializedShape: outShape)
        let outer = shape[..<a].reduce(1, *), inner = shape[(a + 1)...].reduce(1, *), n = shape[a]
        Tensor.copyBlocks(storage.pointer + range.lowerBound * inner, srcStride: n * inner,
                          out.storage.pointer, dstStride: range.count * inner, length: range.count * inner, rows: outer)
        let inShape = shape
        if !isTracked { return out }
        return Tensor.record("slice", out, inputs: [self], composable: true) { c in
            if c.createsGraph {
                // Taped: the cotangent between zero blocks.
                func zeros(_ extent: Int) -> Tensor? {
                    guard extent > 0 else { return nil }
                    var s = inShape
                    s[a] = extent
                    return Tensor.zeros(s)
                }
                let parts = [zeros(range.lowerBound), c.grad, zeros(n - range.upperBound)].compactMap { $0 }
                return [parts.count == 1 ? parts[0] : Tensor.concat(parts, axis: a)]
            }
            let g = Tensor.zeros(inShape)
            Tensor.copyBlocks(c.grad.storage.pointer, srcStride: range.count * inner,
                              g.storage.pointer + range.lowerBound * inner, dstStride: n * inner,
                              length: range.count * inner, rows: outer)
            return [g]
        }
    }

    /// Rows `range` of the first dimension (e.g. a sub-batch).
    public func rows(_ range: Range<Int>) -> Tensor { slice(axis: 0, range) }

    /// Splits along `axis` into consecutive pieces of the given `sizes` (which must add up to the extent).
    public func split(sizes: [Int], axis: Int) -> [Tensor] {
        let a = Tensor.normalizeAxis(axis, rank: rank, op: "split")
        precondition(sizes.allSatisfy { $0 >= 0 } && sizes.reduce(0, +) == shape[a],
                     "split: sizes \(sizes) do not add up to extent \(shape[a]) of axis \(axis) in shape \(shape)")
        var start = 0
        return sizes.map { s in defer { start += s }; return slice(axis: a, start..<(start + s)) }
    }

    /// Splits along `axis` into `chunks` pieces of equal size.
    public func chunk(_ chunks: Int, axis: Int) -> [Tensor] {
        let a = Tensor.normalizeAxis(axis, rank: rank, op: "chunk")
        precondition(chunks > 0 && shape[a] % chunks == 0,
                     "chunk: extent \(shape[a]) of axis \(axis) in shape \(shape) is not divisible into \(chunks) chunks")
        return split(sizes: [Int](repeating: shape[a] / chunks, count: chunks), axis: a)
    }

    /// Concatenates `tensors` along `axis`; all other dimensions must agree.
    public static func concat(_ tensors: [Tensor], axis: Int) -> Tensor {
        precondition(!tensors.isEmpty, "concat: no tensors")
        let first = tensors[0]
        let a = normalizeAxis(axis, rank: first.rank, op: "concat")
        for t in tensors {
            precondition(t.rank == first.rank && (0..<t.rank).allSatisfy { $0 == a || t.shape[$0] == first.shape[$0] },
                         "concat: shapes \(first.shape) and \(t.shape) differ outside axis \(axis)")
        }
        if tensors.count == 1 { return first }
        let extents = tensors.map { $0.shape[a] }
        let total = extents.reduce(0, +)
        var outShape = first.shape; outShape[a] = total
        let out = Tensor(uninitializedShape: outShape)
        let outer = first.shape[..<a].reduce(1, *), inner = first.shape[(a + 1)...].reduce(1, *)
        var offset = 0
        for t in tensors {
            let len = t.shape[a] * inner
            copyBlocks(t.storage.pointer, srcStride: len, out.storage.pointer + offset, dstStride: total * inner,
                       length: len, rows: outer)
            offset += len
        }
        if !tensors.contains(where: \.isTracked) { return out }
        return record("concat", out, inputs: tensors, composable: true) { c in
            var start = 0
            return zip(extents, c.needs).map { e, need in
                defer { start += e }
                return need ? c.grad.slice(axis: a, start..<(start + e)) : nil
            }
        }
    }
}
