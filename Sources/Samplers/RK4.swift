extension ButcherTableau {
    /// The classical fourth-order Runge–Kutta method (Kutta 1901). Order 4, four evaluations per step.
    ///
    ///     0   |
    ///     1/2 | 1/2
    ///     1/2 | 0   1/2
    ///     1   | 0   0   1
    ///     ----+----------------
    ///         | 1/6 1/3 1/3 1/6
    public static let rk4 = ButcherTableau(
        name: "rk4",
        a: [[], [0.5], [0, 0.5], [0, 0, 1]],
        b: [1.0 / 6, 1.0 / 3, 1.0 / 3, 1.0 / 6],
        c: [0, 0.5, 0.5, 1],
        order: 4)
}
