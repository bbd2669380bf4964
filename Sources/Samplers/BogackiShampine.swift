extension ButcherTableau {
    /// Bogacki–Shampine 3(2) (Bogacki & Shampine 1989, "A 3(2) pair of Runge–Kutta formulas";
    /// MATLAB's ode23): order 3 with an embedded order-2 error estimate, FSAL, so three new
    /// evaluations per step.
    ///
    ///     0   |
    ///     1/2 | 1/2
    ///     3/4 | 0    3/4
    ///     1   | 2/9  1/3  4/9
    ///     ----+--------------------
    ///     b   | 2/9  1/3  4/9  0
    ///     b̂   | 7/24 1/4  1/3  1/8
    public static let bogackiShampine = ButcherTableau(
        name: "bosh3",
        a: [[], [0.5], [0, 0.75], [2.0 / 9, 1.0 / 3, 4.0 / 9]],
        b: [2.0 / 9, 1.0 / 3, 4.0 / 9, 0],
        c: [0, 0.5, 0.75, 1],
        order: 3,
        errorWeights: [2.0 / 9 - 7.0 / 24, 1.0 / 3 - 1.0 / 4, 4.0 / 9 - 1.0 / 3, -1.0 / 8],
        embeddedOrder: 2,
        fsal: true)
}
