/// Reverse-mode automatic differentiation on a tape of closures.
///
/// Every primitive op that receives at least one tensor carrying a tape node
/// records one `GradNode` with its vector–Jacobian product (VJP) rule; ops on
/// untracked tensors record nothing. `backward()` walks the recorded graph in
/// reverse topological order, accumulating cotangents (micrograd's design,
/// one rule per primitive; compound ops need no gradient code).

/// What a VJP rule receives.
public struct BackwardContext {
    /// Cotangent of the op's output (same shape as the output).
    public let grad: Tensor
    /// The op's inputs, detached from the tape.
    public let inputs: [Tensor]
    /// Whether the gradient of each input is needed (skip the others: return nil).
    public let needs: [Bool]
}

/// One recorded operation (or a leaf) of the tape.
final class GradNode {
    let parents: [GradNode?]
    let inputs: [Tensor]
    let backward: ((BackwardContext) -> [Tensor?])?
    let op: String

    init(op: String, parents: [GradNode?], inputs: [Tensor], backward: ((BackwardContext) -> [Tensor?])?) {
        self.op = op
        self.parents = parents
        self.inputs = inputs
        self.backward = backward
    }
}

extension Tensor {
    /// Whether this tensor takes part in a differentiated computation.
    public var isTracked: Bool { node != nil }

    /// The same values, detached from the tape.
    public var detached: Tensor { Tensor(shape: shape, storage: storage) }

    /// The same values as a new leaf of the tape: gradients flow to it.
    public func trackingGradient() -> Tensor {
        Tensor(shape: shape, storage: storage, node: GradNode(op: "leaf", parents: [], inputs: [], backward: nil))
    }

    /// Records `output` as the result of a primitive `op` on `inputs` with the VJP rule
    /// `backward`. When no input is tracked, nothing is recorded and `output` is returned as is.
    /// Primitives check `isTracked` before calling this, so inference builds no closure at all.
    public static func record(_ op: String, _ output: Tensor, inputs: [Tensor],
                              backward: @escaping (BackwardContext) -> [Tensor?]) -> Tensor {
        guard inputs.contains(where: { $0.node != nil }) else { return output }
        let node = GradNode(op: op, parents: inputs.map(\.node), inputs: inputs.map(\.detached), backward: backward)
        return Tensor(shape: output.shape, storage: output.storage, node: node)
    }

    /// Back-propagates from this tensor with cotangent `seed` (ones for a scalar loss
    /// when nil) and returns the gradients of every leaf reached.
    public func backward(seed: Tensor? = nil) -> Gradients {
        guard let root = node else { return Gradients(byNode: [:]) }
        let seed = seed ?? Tensor.ones(shape)
        precondition(seed.shape == shape, "backward: seed shape \(seed.shape) differs from output shape \(shape)")

        // Iterative post-order DFS: topological order from leaves to root.
        var order: [GradNode] = []
        var visited = Set<ObjectIdentifier>()
        var stack: [(GradNode, Int)] = [(root, 0)]
        visited.insert(ObjectIdentifier(root))
        while let (n, i) = stack.popLast() {
            if i < n.parents.count {
                stack.append((n, i + 1))
                if let p = n.parents[i], visited.insert(ObjectIdentifier(p)).inserted { stack.append((p, 0)) }
            } else {
                order.append(n)
            }
        }

        var grads: [ObjectIdentifier: Tensor] = [ObjectIdentifier(root): seed.detached]
        var leaves: [ObjectIdentifier: Tensor] = [:]
        var owned = Set<ObjectIdentifier>()   // accumulators created here, safe to add into in place
        for n in order.reversed() {
            guard let g = grads.removeValue(forKey: ObjectIdentifier(n)) else { continue }
            guard let rule = n.backward else { leaves[ObjectIdentifier(n)] = g; continue }
            let needs = n.parents.map { $0 != nil }
            let inputGrads = rule(BackwardContext(grad: g, inputs: n.inputs, needs: needs))
            for (p, ig) in zip(n.parents, inputGrads) {
                guard let p, let ig else { continue }
                let id = ObjectIdentifier(p)
                if let acc = grads[id] {
                    if owned.contains(id) {
                        acc.addInPlace(ig)
                    } else {
                        grads[id] = acc.detached + ig.detached
                        owned.insert(id)
                    }
                } else {
                    grads[id] = ig.detached
                }
            }
        }
        return Gradients(byNode: leaves)
    }

    /// Adds `b` into this tensor's storage (the caller owns the storage).
    func addInPlace(_ b: Tensor) {
        precondition(shape == b.shape, "backward: gradient shapes \(shape) and \(b.shape) differ")
        let pa = storage.pointer, pb = b.storage.pointer
        parallelFor(count) { lo, hi in for i in lo..<hi { pa[i] += pb[i] } }
    }
}

/// Gradients of the leaves reached by one `backward()` call.
public struct Gradients {
    let byNode: [ObjectIdentifier: Tensor]

    /// Gradient with respect to `leaf` (a tensor made by `trackingGradient()`), or nil
    /// when the output did not depend on it.
    public subscript(_ leaf: Tensor) -> Tensor? {
        guard let n = leaf.node else { return nil }
        return byNode[ObjectIdentifier(n)]
    }
}

/// Value of `f` at `inputs` and its gradient with respect to each input
/// (zeros where `f` does not depend on an input). `f` must return a scalar
/// (one-element tensor) unless `seed` is given: then this computes the
/// vector–Jacobian product `seedᵀ · ∂f/∂x`.
public func valueWithGradient(at inputs: [Tensor], seed: Tensor? = nil,
                              of f: ([Tensor]) throws -> Tensor) rethrows -> (value: Tensor, gradients: [Tensor]) {
    let leaves = inputs.map { $0.trackingGradient() }
    let y = try f(leaves)
    precondition(seed != nil || y.count == 1, "valueWithGradient: output of shape \(y.shape) is not a scalar; pass a seed")
    let g = y.backward(seed: seed)
    return (y.detached, leaves.map { g[$0] ?? Tensor.zeros($0.shape) })
}

/// Value and gradient of a function of one tensor.
public func valueWithGradient(at x: Tensor, seed: Tensor? = nil,
                              of f: (Tensor) throws -> Tensor) rethrows -> (value: Tensor, gradient: Tensor) {
    let (v, g) = try valueWithGradient(at: [x], seed: seed) { try f($0[0]) }
    return (v, g[0])
}
