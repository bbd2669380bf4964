extension ButcherTableau {
    /// Forward Euler, x₁ = x₀ + h·f(x₀, t₀): order 1, one evaluation per step.
    public static let euler = ButcherTableau(name: "euler", a: [[]], b: [1], c: [0], order: 1)
}
