import TensorCore

/// The value of a scalar loss and its gradient with respect to every parameter of `model`.
///
/// The parameters become leaves of the tape for the duration of `loss` (they
/// share storage with the module's tensors, which are detached again
/// afterwards, even if `loss` throws). Parameters the loss does not depend on
/// get zero gradients. Pair with an `Optimizer`:
///
///     let (l, grads) = valueWithGradient(of: model) { (model(x: xt, t: t) - target).square().mean() }
///     optimizer.step(model, gradients: grads)
public func valueWithGradient(of model: Module, _ loss: () throws -> Tensor) rethrows -> (value: Float, gradients: [String: Tensor]) {
    let r = try valueWithGradient(of: model, wrt: []) { _ in try loss() }
    return (r.value, r.gradients)
}

/// Like `valueWithGradient(of:_:)`, and also differentiates with respect to `inputs`:
/// `loss` receives them as tape leaves; `inputGradients[i]` is ∂loss/∂inputs[i]
/// (zeros where the loss does not depend on it).
///
/// Nests: inside another differentiated computation the parameters are already on the tape and
/// stay as they are (restored, not detached, afterwards), so the outer gradient is not cut;
/// with `createGraph` the gradients are themselves on the tape (a gradient penalty, a divergence).
public func valueWithGradient(of model: Module, wrt inputs: [Tensor], createGraph: Bool = false, _ loss: ([Tensor]) throws -> Tensor) rethrows
    -> (value: Float, gradients: [String: Tensor], inputGradients: [Tensor]) {
    var originals: [String: Tensor] = [:]
    var leaves: [(String, Tensor)] = []
    let current = model.namedParameters
    if current.allSatisfy({ $0.tensor.isTracked }) {
        // Nested (`withParametersOnTape`, or an outer valueWithGradient): the module is only read,
        // so several threads may differentiate through it at once.
        leaves = current.map { ($0.key, $0.tensor) }
    } else {
        model.visitParameters { key, p in
            originals[key] = p
            if !p.isTracked { p = p.trackingGradient() }
            leaves.append((key, p))
        }
    }
    defer { if !originals.isEmpty { model.visitParameters { key, p in p = originals[key]! } } }
    let inputLeaves = inputs.map { $0.isTracked ? $0 : $0.trackingGradient() }
    let l = try loss(inputLeaves)
    precondition(l.count == 1, "valueWithGradient(of:): the loss must be a scalar, got shape \(l.shape)")
    let g = gradients(of: l, wrt: leaves.map(\.1) + inputLeaves, createGraph: createGraph)
    var grads: [String: Tensor] = [:]
    for (i, (key, _)) in leaves.enumerated() { grads[key] = g[i] }
    return (l.item, grads, Array(g[leaves.count...]))
}

/// Runs `body` with every parameter of `model` a leaf of the tape, and puts the untracked
/// parameters back afterwards (even if `body` throws). Inside, `valueWithGradient(of:)` on the
/// same model only reads it, so threads can each differentiate a part of a batch through one
/// module at the same time (the leaves are shared; each computation has its own graph above them).
public func withParametersOnTape<T>(_ model: Module, _ body: () throws -> T) rethrows -> T {
    var originals: [String: Tensor] = [:]
    model.visitParameters { key, p in
        if !p.isTracked {
            originals[key] = p
            p = p.trackingGradient()
        }
    }
    defer { model.visitParameters { key, p in if let o = originals[key] { p = o } } }
    return try body()
}
