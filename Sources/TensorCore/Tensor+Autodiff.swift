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
    /// The op's inputs: detached from the tape, or — when `createsGraph` — on it.
    public let inputs: [Tensor]
    /// Whether the gradient of each input is needed (skip the others: return nil).
    public let needs: [Bool]
    /// True when the gradient computation is itself recorded (`backward(createGraph: true)`):
    /// `grad` and `inputs` are tracked and the rule computes with taped ops, so its result can
    /// be differentiated again. Rules that use fused kernels take their taped form here.
    public let createsGraph: Bool
    let node: GradNode

    /// The op's output `y` (captured by the rule) as the rule should use it: when `createsGraph`,
    /// on the tape as this op's result, so that second derivatives flow through it.
    public func output(_ y: Tensor) -> Tensor { createsGraph ? Tensor(shape: y.shape, storage: y.storage, node: node) : y }
}

/// One recorded operation (or a leaf) of the tape.
final class GradNode {
    let parents: [GradNode?]
    let inputs: [Tensor]
    let backward: ((BackwardContext) -> [Tensor?])?
    let op: String
    /// Whether `backward` is written in taped ops (valid under `createGraph`).
    let composable: Bool

    init(op: String, parents: [GradNode?], inputs: [Tensor], composable: Bool = false, backward: ((BackwardContext) -> [Tensor?])?) {
        self.op = op
        self.parents = parents
        self.inputs = inputs
        self.composable = composable
        self.backward = backward
    }

    /// Input `i` on the tape again (its values, with the node that produced it).
    func trackedInput(_ i: Int) -> Tensor { Tensor(shape: inputs[i].shape, storage: inputs[i].storage, node: parents[i]) }
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
    /// `composable`: the rule is written in taped ops when `createsGraph` (second derivatives).
    public static func record(_ op: String, _ output: Tensor, inputs: [Tensor], composable: Bool = false,
                              backward: @escaping (BackwardContext) -> [Tensor?]) -> Tensor {
        guard inputs.contains(where: { $0.node != nil }) else { return output }
        let node = GradNode(op: op, parents: inputs.map(\.node), inputs: inputs.map(\.detached), composable: composable, backward: backward)
        return Tensor(shape: output.shape, storage: output.storage, node: node)
    }

    /// Back-propagates from this tensor with cotangent `seed` (ones for a scalar loss
    /// when nil) and returns the gradients of every leaf reached. With `createGraph` the
    /// gradient computation is itself recorded on the tape (the equivalent of PyTorch's
    /// `create_graph=True`): the gradients are tracked tensors that can be differentiated
    /// again. Every op on the path must then have a composable rule (a precondition).
    public func backward(seed: Tensor? = nil, createGraph: Bool = false) -> Gradients {
        Gradients(byNode: propagate(seed: seed, createGraph: createGraph, capture: nil))
    }

    /// Reverse accumulation from this tensor: the gradients of the leaves reached (`capture` nil)
    /// or of the nodes in `capture` (leaves or intermediate results).
    func propagate(seed: Tensor?, createGraph: Bool, capture: Set<ObjectIdentifier>?) -> [ObjectIdentifier: Tensor] {
        guard let root = node else { return [:] }
        let seed = seed ?? Tensor.ones(shape)
        precondition(seed.shape == shape, "backward: seed shape \(seed.shape) differs from output shape \(shape)")

        // Iterative post-order DFS: topological order from leaves to root. With a capture set the
        // walk keeps only nodes on a path from the root to a captured tensor (`reaches`), and with
        // a single captured tensor it does not look past it: nothing upstream can matter. So a
        // gradient with respect to an intermediate result (a divergence inside an ODE solve that
        // is itself on the tape) costs the subgraph above it, not the whole tape.
        var order: [GradNode] = []
        var visited = Set<ObjectIdentifier>()
        var reaches = Set<ObjectIdentifier>()
        let stopsAtCapture = capture?.count == 1
        var stack: [(GradNode, Int)] = [(root, 0)]
        visited.insert(ObjectIdentifier(root))
        while let (n, i) = stack.popLast() {
            let id = ObjectIdentifier(n)
            let isCaptured = capture?.contains(id) ?? false
            if i < n.parents.count && !(stopsAtCapture && isCaptured) {
                stack.append((n, i + 1))
                if let p = n.parents[i], visited.insert(ObjectIdentifier(p)).inserted { stack.append((p, 0)) }
            } else {
                order.append(n)
                if capture != nil, isCaptured || n.parents.contains(where: { $0.map { reaches.contains(ObjectIdentifier($0)) } ?? false }) {
                    reaches.insert(id)
                }
            }
        }

        var grads: [ObjectIdentifier: Tensor] = [ObjectIdentifier(root): createGraph ? seed : seed.detached]
        var captured: [ObjectIdentifier: Tensor] = [:]
        var owned = Set<ObjectIdentifier>()   // accumulators created here, safe to add into in place
        for n in order.reversed() {
            let id = ObjectIdentifier(n)
            guard let g = grads.removeValue(forKey: id) else { continue }
            if capture?.contains(id) ?? (n.backward == nil) { captured[id] = g }
            if stopsAtCapture && capture!.contains(id) { continue }
            guard let rule = n.backward else { continue }
            precondition(!createGraph || n.composable, "backward(createGraph:): op '\(n.op)' has no composable (second-order) rule")
            let needs = n.parents.map { p in p.map { capture == nil || reaches.contains(ObjectIdentifier($0)) } ?? false }
            guard needs.contains(true) else { continue }
            let inputs = createGraph ? n.inputs.indices.map(n.trackedInput) : n.inputs
            let inputGrads = rule(BackwardContext(grad: g, inputs: inputs, needs: needs, createsGraph: createGraph, node: n))
            for (i, (p, ig)) in zip(n.parents, inputGrads).enumerated() {
                guard let p, let ig, needs[i] else { continue }
                let pid = ObjectIdentifier(p)
                if createGraph {
                    grads[pid] = grads[pid].map { $0 + ig } ?? ig
                } else if let acc = grads[pid] {
                    if owned.contains(pid) {
                        acc.addInPlace(ig)
                    } else {
                        grads[pid] = acc.detached + ig.detached
                        owned.insert(pid)
                    }
                } else {
                    grads[pid] = ig.detached
                }
            }
        }
        return captured
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

/// The gradient of `seedᵀ · y` (of `y` itself when it is a scalar and `seed` is nil) with
/// respect to each tensor of `wrt` — leaves or intermediate results of the tape that produced
/// `y` — like `torch.autograd.grad`: zeros for a tensor `y` does not depend on. Nothing is
/// swapped or detached, so it nests inside a larger differentiated computation; with
/// `createGraph` the results are on the tape and can be differentiated again.
public func gradients(of y: Tensor, wrt xs: [Tensor], seed: Tensor? = nil, createGraph: Bool = false) -> [Tensor] {
    precondition(seed != nil || y.count == 1, "gradients(of:): output of shape \(y.shape) is not a scalar; pass a seed")
    let ids = xs.map { $0.node.map(ObjectIdentifier.init) }
    let g = y.propagate(seed: seed, createGraph: createGraph, capture: Set(ids.compactMap { $0 }))
    return zip(xs, ids).map { x, id in id.flatMap { g[$0] } ?? Tensor.zeros(x.shape) }
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
