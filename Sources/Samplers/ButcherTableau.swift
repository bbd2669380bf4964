/// An explicit Runge–Kutta method as data: its Butcher tableau and order.
///
///     k_i = f(x₀ + h·Σ_{j<i} a_ij·k_j, t₀ + c_i·h),   x₁ = x₀ + h·Σ b_i·k_i
///
/// An embedded pair adds `errorWeights` e_i = b_i − b̂_i: h·Σ e_i·k_i estimates the local error
/// of the lower-order solution (Hairer, Nørsett & Wanner, *Solving ODEs I*, §II.4). `fsal`
/// ("first same as last") means the last stage is f(x₁, t₁), which the next step reuses.
/// One stepper (`RungeKutta`) runs every tableau.
public struct ButcherTableau: Sendable, Equatable {
    /// Short name used in presets and reports.
    public let name: String
    /// Lower-triangular coefficients: a[i] has i entries (a[0] is empty).
    public let a: [[Double]]
    public let b: [Double]
    public let c: [Double]
    /// Global order of convergence of the solution x₁.
    public let order: Int
    /// b − b̂ of the embedded method, or nil.
    public let errorWeights: [Double]?
    /// Order of the embedded method b̂.
    public let embeddedOrder: Int?
    public let fsal: Bool

    public init(name: String, a: [[Double]], b: [Double], c: [Double], order: Int,
                errorWeights: [Double]? = nil, embeddedOrder: Int? = nil, fsal: Bool = false) {
        let s = b.count
        precondition(s >= 1 && a.count == s && c.count == s, "ButcherTableau \(name): \(s) weights, \(a.count) rows, \(c.count) nodes")
        for i in 0..<s {
            precondition(a[i].count == i, "ButcherTableau \(name): row \(i) has \(a[i].count) entries, expected \(i)")
            precondition(Swift.abs(a[i].reduce(0, +) - c[i]) < 1e-12, "ButcherTableau \(name): row \(i) does not sum to c[\(i)]")
        }
        precondition(Swift.abs(b.reduce(0, +) - 1) < 1e-12, "ButcherTableau \(name): weights do not sum to 1")
        if let e = errorWeights {
            precondition(e.count == s && embeddedOrder != nil, "ButcherTableau \(name): error weights need \(s) entries and an embedded order")
            precondition(Swift.abs(e.reduce(0, +)) < 1e-12, "ButcherTableau \(name): error weights do not sum to 0")
        }
        if fsal {
            precondition(c[s - 1] == 1 && a[s - 1] == Array(b.prefix(s - 1)) && b[s - 1] == 0,
                         "ButcherTableau \(name): FSAL needs a last row equal to b and c = 1")
        }
        self.name = name
        self.a = a
        self.b = b
        self.c = c
        self.order = order
        self.errorWeights = errorWeights
        self.embeddedOrder = embeddedOrder
        self.fsal = fsal
    }

    /// Number of stages (function evaluations per step, one fewer after the first step if FSAL).
    public var stages: Int { b.count }
}
