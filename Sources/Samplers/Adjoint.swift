import TensorCore

/// A vector field f(z, t; θ) written in taped ops, with its parameters θ: what the adjoint
/// method and backpropagation through the solver differentiate (a Neural ODE's dynamics).
public struct ParametricField {
    /// θ: the tensors the gradients are taken with respect to.
    public var parameters: [Tensor]
    /// f(z, t; θ) for the given θ (leaves of the tape, or plain tensors).
    public var evaluate: (_ z: Tensor, _ t: Double, _ parameters: [Tensor]) -> Tensor

    public init(parameters: [Tensor], evaluate: @escaping (_ z: Tensor, _ t: Double, _ parameters: [Tensor]) -> Tensor) {
        self.parameters = parameters
        self.evaluate = evaluate
    }
}

/// The gradients of a loss L(z(t₁)) on an ODE's end state.
public struct ODEGradients {
    /// z(t₁), the forward solution.
    public var final: Tensor
    /// ∂L/∂z(t₀).
    public var initial: Tensor
    /// ∂L/∂θ, one per parameter.
    public var parameters: [Tensor]
    /// NFE of the forward solve and of the backward (adjoint) solve; the backward is 0 when
    /// backpropagating through the solver (the tape replays the forward steps instead).
    public var forwardEvaluations: Int
    public var backwardEvaluations: Int
}

/// How the ODE is stepped, forward and (adjoint) backward.
public enum ODEStepping {
    /// A fixed grid from t₀ to t₁ (the adjoint walks it backwards).
    case fixed([Double])
    /// Adaptive steps by `controller` both ways.
    case adaptive(PIController)

    func forward(_ t0: Double, _ t1: Double) -> Stepping {
        switch self {
        case .fixed(let ts): return .fixed(ts)
        case .adaptive(let c): return .adaptive(from: t0, to: t1, controller: c)
        }
    }

    func backward(_ t0: Double, _ t1: Double) -> Stepping {
        switch self {
        case .fixed(let ts): return .fixed(ts.reversed())
        case .adaptive(let c): return .adaptive(from: t1, to: t0, controller: c)
        }
    }
}

/// Several tensors as one flat ODE state: `solve` integrates one tensor, so the parts are
/// concatenated (its error norm and linear combinations then run over every part).
public struct StateLayout {
    public let shapes: [[Int]]
    public init(_ shapes: [[Int]]) { self.shapes = shapes }

    public func pack(_ parts: [Tensor]) -> Tensor {
        precondition(parts.map(\.shape) == shapes, "StateLayout: parts \(parts.map(\.shape)) differ from \(shapes)")
        return Tensor.concat(parts.map { $0.reshaped([$0.count]) }, axis: 0)
    }

    public func unpack(_ state: Tensor) -> [Tensor] {
        var start = 0
        return shapes.map { shape in
            let n = shape.reduce(1, *)
            defer { start += n }
            return state.slice(axis: 0, start..<(start + n)).reshaped(shape)
        }
    }
}

/// ∂L/∂z₀ and ∂L/∂θ for L(z(t₁)), dz/dt = f(z, t; θ), by the adjoint sensitivity method
/// (Chen, Rubanova, Bettencourt & Duvenaud 2018, *Neural Ordinary Differential Equations*,
/// Algorithm 1): solve forward without keeping a tape (a field may tape its own evaluation, e.g. to
/// take a divergence; the result is detached); then solve the augmented system
///
///     dz/dt = f,   da/dt = −aᵀ ∂f/∂z,   da_θ/dt = −aᵀ ∂f/∂θ
///
/// backwards from (z(t₁), ∂L/∂z(t₁), 0) to t₀ with the same solver, each evaluation one
/// vector–Jacobian product of f on a tape that lives for that evaluation only — so memory does
/// not grow with the number of steps. The adaptive error norm spans all three parts.
/// `lossGradient` maps z(t₁) to ∂L/∂z(t₁).
/// - Throws: `SolveError` when either solve exceeds its step limit.
public func adjointGradients<S: Solver>(_ field: ParametricField, from z0: Tensor, t0: Double, t1: Double, solver: S,
                                        stepping: ODEStepping, lossGradient: (Tensor) -> Tensor) throws -> ODEGradients {
    let theta = field.parameters.map(\.detached)
    let forward = Equation(drift: { z, t in field.evaluate(z, t, theta).detached })
    let solved = try solve(forward, solver: solver, from: z0.detached, stepping: stepping.forward(t0, t1))
    let z1 = solved.samples
    let layout = StateLayout([z1.shape, z1.shape] + theta.map(\.shape))
    let start = layout.pack([z1, lossGradient(z1).detached] + theta.map { Tensor.zeros($0.shape) })
    let augmented = Equation(drift: { s, t in
        let parts = layout.unpack(s)
        let z = parts[0].trackingGradient()
        let leaves = theta.map { $0.trackingGradient() }
        let f = field.evaluate(z, t, leaves)
        let vjp = gradients(of: f, wrt: [z] + leaves, seed: parts[1])
        return layout.pack([f.detached] + vjp.map { -$0 })
    })
    let back = try solve(augmented, solver: solver, from: start, stepping: stepping.backward(t0, t1))
    let parts = layout.unpack(back.samples)
    return ODEGradients(final: z1, initial: parts[1], parameters: Array(parts[2...]),
                        forwardEvaluations: solved.evaluations, backwardEvaluations: back.evaluations)
}

/// The same gradients by backpropagating through the solver's steps ("discretize-then-optimize"):
/// the forward solve is recorded on the tape (every stage, every step — memory grows with the
/// step count) and differentiated exactly; an adaptive solver's step sizes count as constants.
public func backpropagatedGradients<S: Solver>(_ field: ParametricField, from z0: Tensor, t0: Double, t1: Double, solver: S,
                                               stepping: ODEStepping, lossGradient: (Tensor) -> Tensor) throws -> ODEGradients {
    let z = z0.detached.trackingGradient()
    let leaves = field.parameters.map { $0.detached.trackingGradient() }
    let equation = Equation(drift: { x, t in field.evaluate(x, t, leaves) })
    let solved = try solve(equation, solver: solver, from: z, stepping: stepping.forward(t0, t1))
    let z1 = solved.samples
    let g = gradients(of: z1, wrt: [z] + leaves, seed: lossGradient(z1.detached).detached)
    return ODEGradients(final: z1.detached, initial: g[0], parameters: Array(g[1...]),
                        forwardEvaluations: solved.evaluations, backwardEvaluations: 0)
}
