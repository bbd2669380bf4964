import TensorCore

/// The value of a scalar loss and its gradient with respect to every parameter of `model`.
///
/// The parameters become leaves of the tape for the duration of `loss` (they
/// share storage with the module's tensors, which are detached again
/// afterwards, even if `loss` throws). Parameters the loss does not depend on
/// get zero gradients. Pair with an `Optimizer`:
///
///     let (l, grads) = try valueWithGradient(of: model) { mse(model(x: xt, t: t), target) }
///     optimizer.step(model, gradients: grads)
public func valueWithGradient(of model: Module, _ loss: () throws -> Tensor) rethrows -> (value: Float, gradients: [String: Tensor]) {
    var leaves: [(String, Tensor)] = []
    model.visitParameters { key, p in
        p = p.detached.trackingGradient()
        leaves.append((key, p))
    }
    defer { model.visitParameters { _, p in p = p.detached } }
    let l = try loss()
    precondition(l.count == 1, "valueWithGradient(of:): the loss must be a scalar, got shape \(l.shape)")
    let g = l.backward()
    var grads: [String: Tensor] = [:]
    for (key, leaf) in leaves { grads[key] = g[leaf] ?? Tensor.zeros(leaf.shape) }
    return (l.item, grads)
}
