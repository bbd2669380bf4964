/// Shape manipulation that shares or rearranges storage.

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
        return Tensor.record("reshape", y, inputs: [self]) { c in [c.grad.reshaped(inShape)] }
    }

    /// Flattens all dimensions from `startAxis` on into one.
    public func flattened(from startAxis: Int = 0) -> Tensor {
        reshaped(Array(shape[..<startAxis]) + [shape[startAxis...].reduce(1, *)])
    }
}
