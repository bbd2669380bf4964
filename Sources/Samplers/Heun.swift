extension ButcherTableau {
    /// Heun's method (explicit trapezoidal rule): an Euler predictor, then the average of the
    /// slopes at both ends. Order 2, two evaluations per step. On the EDM path (α = 1, σ = t)
    /// with a Karras grid this is Karras et al. 2022, Algorithm 1 (see `RungeKutta` for the
    /// final step to σ = 0).
    ///
    ///     0 |
    ///     1 | 1
    ///     --+---------
    ///       | 1/2 1/2
    public static let heun = ButcherTableau(name: "heun", a: [[], [1]], b: [0.5, 0.5], c: [0, 1], order: 2)
}
