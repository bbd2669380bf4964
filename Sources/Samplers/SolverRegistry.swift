/// A solver as presets name it: its name, the preset fields it reads, and how it is built from
/// them. Each solver declares its entries next to its algorithm (`SolverEntry.ddim` in DDIM.swift);
/// `SolverRegistry.standard` lists them, and the preset decoder, the CNF's `--ode-solver` and the
/// CLI's help read the registry: adding a solver is its file plus one line there.
public struct SolverEntry: Sendable {
    /// The `solver` field's value, e.g. "dpmpp-2m".
    public let name: String
    /// One line for help text.
    public let summary: String
    /// The explicit Runge–Kutta tableau, for the methods that are one (the ODE methods a CNF
    /// integrates its log-density with); nil for every other solver.
    public let tableau: ButcherTableau?
    /// Reads the solver's own fields (and checks them) and builds it.
    let make: @Sendable (inout PresetFields) throws -> any Solver

    public init(_ name: String, summary: String, make: @escaping @Sendable (inout PresetFields) throws -> any Solver) {
        self.name = name
        self.summary = summary
        self.tableau = nil
        self.make = make
    }

    /// An explicit Runge–Kutta method: the tableau is the solver.
    public init(_ tableau: ButcherTableau, summary: String) {
        self.name = tableau.name
        self.summary = summary
        self.tableau = tableau
        self.make = { _ in RungeKutta(tableau) }
    }

    /// The solver with the fields of `fields` that it reads.
    public func solver(_ fields: inout PresetFields) throws -> any Solver { try make(&fields) }
}

/// The solvers presets can name, in the order help text lists them.
public struct SolverRegistry: Sendable {
    public let entries: [SolverEntry]

    public init(_ entries: [SolverEntry]) {
        precondition(Set(entries.map(\.name)).count == entries.count, "SolverRegistry: two entries share a name")
        self.entries = entries
    }

    /// Every solver Drift ships.
    public static let standard = SolverRegistry([
        .euler, .heun, .midpoint, .rk4, .bosh3, .dopri5,
        .ddim, .dpmpp2M, .dpmpp3M, .dpmpp3MSDE, .ipndm, .deis, .unipc, .restart,
        .eulerMaruyama, .ancestral, .predictorCorrector, .edm, .dpmpp2MSDE, .consistency,
    ])

    public var names: [String] { entries.map(\.name) }

    /// The entry named `name`, nil if there is none.
    public func entry(named name: String) -> SolverEntry? { entries.first { $0.name == name } }

    /// The explicit Runge–Kutta methods (what a CNF can integrate with).
    public var rungeKutta: [SolverEntry] { entries.filter { $0.tableau != nil } }
}
