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
public func valueWithGradient(of model: Module, wrt inputs: [Tensor], _ loss: ([Tensor]) throws -> Tensor) rethrows
    -> (value: Float, gradients: [String: Tensor], inputGradients: [Tensor]) {
    var leaves: [(String, Tensor)] = []
    model.visitParameters { key, p in
        p = p.detached.trackingGradient()
        leaves.append((key, p))
    }
    defer { model.visitParameters { _, p in p = p.detached } }
    let inputLeaves = inputs.map { $0.detached.trackingGradient() }
    let l = try loss(inputLeaves)
    precondition(l.count == 1, "valueWithGradient(of:): the loss must be a scalar, got shape \(l.shape)")
    let g = l.backward()
    var grads: [String: Tensor] = [:]
    for (key, leaf) in leaves { grads[key] = g[leaf] ?? Tensor.zeros(leaf.shape) }
    return (l.item, grads, inputLeaves.map { g[$0] ?? Tensor.zeros($0.shape) })
}
