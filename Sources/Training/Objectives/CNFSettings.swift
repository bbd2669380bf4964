import Samplers

/// How a continuous normalizing flow is trained (`--objective cnf`): the divergence, the gradient
/// method, the ODE solver and its tolerances, and the RNODE regularizers. Stored in checkpoints.
public struct CNFSettings: Codable, Equatable, Sendable {
    /// How ∇·v enters the log-density ODE.
    public enum Divergence: String, Codable, CaseIterable, Sendable {
        /// Σⱼ ∂vⱼ/∂zⱼ from d vector–Jacobian products (low dimension).
        case exact
        /// εᵀ(∂v/∂z)ε with one Rademacher probe per example, fixed along its ODE
        /// (FFJORD, Grathwohl et al. 2019, eq. 7).
        case hutchinson
    }

    /// How the parameter gradient of the NLL is computed.
    public enum Gradient: String, Codable, CaseIterable, Sendable {
        /// The adjoint sensitivity method (Chen et al. 2018, Alg. 1): memory flat in the step count.
        case adjoint
        /// Backpropagation through the solver's steps (discretize-then-optimize).
        case backprop
    }

    /// The Runge–Kutta methods a CNF can be integrated with (`--ode-solver`): the registry's
    /// explicit Runge–Kutta entries.
    public static var solverNames: [String] { SolverRegistry.standard.rungeKutta.map(\.name) }

    public var divergence: Divergence
    public var gradient: Gradient
    /// One of `solverNames`: bosh3 and dopri5 step adaptively, the others take `steps` equal steps.
    public var solver: String
    /// Steps of a fixed-grid solver on t ∈ [0, 1].
    public var steps: Int
    /// Tolerances and step limit of an adaptive solver (each direction of an adjoint solve).
    public var rtol: Double
    public var atol: Double
    public var maxSteps: Int
    /// RNODE weights (Finlay et al. 2020, "How to train your neural ODE", eq. 4): λ_K on the kinetic
    /// energy ∫‖v‖² dt, λ_J on the Jacobian's Frobenius norm ∫‖∂v/∂z‖²_F dt (by the divergence's
    /// probe for Hutchinson: ‖εᵀ∂v/∂z‖²). 0 leaves the term out of the ODE state.
    public var kinetic: Double
    public var jacobian: Double

    public init(divergence: Divergence = .exact, gradient: Gradient = .adjoint, solver: String = "dopri5", steps: Int = 20,
                rtol: Double = 1e-5, atol: Double = 1e-5, maxSteps: Int = 1000, kinetic: Double = 0, jacobian: Double = 0) {
        self.divergence = divergence
        self.gradient = gradient
        self.solver = solver
        self.steps = steps
        self.rtol = rtol
        self.atol = atol
        self.maxSteps = maxSteps
        self.kinetic = kinetic
        self.jacobian = jacobian
    }

    /// The Runge–Kutta tableau of `solver`.
    /// - Precondition: `solver` names an explicit Runge–Kutta method (`validate()` checks it).
    public var tableau: ButcherTableau {
        guard let t = SolverRegistry.standard.entry(named: solver)?.tableau else {
            preconditionFailure("CNFSettings: '\(solver)' is not an explicit Runge–Kutta method (validate() first)")
        }
        return t
    }

    /// Whether `solver` chooses its own steps.
    public var isAdaptive: Bool { SolverRegistry.standard.entry(named: solver)?.tableau.map { RungeKutta($0).isAdaptive } ?? false }

    /// How the ODE on [0, 1] is stepped.
    public var stepping: ODEStepping {
        if isAdaptive { return .adaptive(PIController(rtol: rtol, atol: atol, maxSteps: maxSteps)) }
        return .fixed((0...steps).map { Double($0) / Double(steps) })
    }

    /// "exact divergence, adjoint, dopri5 rtol 1e-05 atol 1e-05 (≤ 1000 steps), kinetic 0.01, jacobian 0.01".
    public var summary: String {
        let solve = isAdaptive ? "\(solver) rtol \(rtol) atol \(atol) (≤ \(maxSteps) steps)" : "\(solver) \(steps) steps"
        return "\(divergence.rawValue) divergence, \(gradient.rawValue), \(solve), kinetic \(kinetic), jacobian \(jacobian)"
    }

    /// Checks every setting; one line naming the flag otherwise.
    public func validate() throws {
        guard Self.solverNames.contains(solver) else {
            throw TrainingError.invalidSetting("--ode-solver \(solver): a CNF integrates with one of \(Self.solverNames.joined(separator: ", "))")
        }
        guard steps >= 1 else { throw TrainingError.invalidSetting("--ode-steps must be ≥ 1, got \(steps)") }
        guard rtol > 0, rtol.isFinite else { throw TrainingError.invalidSetting("--rtol must be > 0, got \(rtol)") }
        guard atol > 0, atol.isFinite else { throw TrainingError.invalidSetting("--atol must be > 0, got \(atol)") }
        guard maxSteps >= 1 else { throw TrainingError.invalidSetting("--ode-max-steps must be ≥ 1, got \(maxSteps)") }
        guard kinetic >= 0, kinetic.isFinite else { throw TrainingError.invalidSetting("--kinetic must be ≥ 0, got \(kinetic)") }
        guard jacobian >= 0, jacobian.isFinite else { throw TrainingError.invalidSetting("--jacobian must be ≥ 0, got \(jacobian)") }
    }
}
