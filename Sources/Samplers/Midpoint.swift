extension ButcherTableau {
    /// The explicit midpoint method: the slope at a half Euler step. Order 2, two evaluations per step.
    ///
    ///     0   |
    ///     1/2 | 1/2
    ///     ----+--------
    ///         | 0   1
    public static let midpoint = ButcherTableau(name: "midpoint", a: [[], [0.5]], b: [0, 1], c: [0, 0.5], order: 2)
}
