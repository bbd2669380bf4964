/// Improved precision and recall (Kynkäänniemi et al. 2019, "Improved precision and recall metric
/// for assessing generative models", §2): each set's manifold is the union of balls around its
/// points with radius the distance to the k-th nearest neighbour within the set;
///
///     precision = fraction of generated points inside the real manifold
///     recall    = fraction of real points inside the generated manifold
///
/// Exact nearest neighbours (O(N²·d)); the paper uses k = 3.
public struct PrecisionRecall: Sendable, Equatable {
    public var precision: Double
    public var recall: Double

    public init(precision: Double, recall: Double) {
        self.precision = precision
        self.recall = recall
    }

    /// - Throws: `EvaluationError` for different dimensions or sets of at most k points.
    public init(real: FeatureSet, generated: FeatureSet, k: Int = 3) throws {
        try Self.check(real: real, generated: generated, k: k)
        let realRadii = Self.kthNeighbourSquaredDistances(real, k: k)
        let generatedRadii = Self.kthNeighbourSquaredDistances(generated, k: k)
        precision = Self.coverage(of: generated, by: real, radii: realRadii)
        recall = Self.coverage(of: real, by: generated, radii: generatedRadii)
    }

    /// - Throws: `EvaluationError` for different dimensions or sets of at most k points.
    static func check(real: FeatureSet, generated: FeatureSet, k: Int) throws {
        guard real.dimension == generated.dimension else {
            throw EvaluationError("precision/recall between \(real.dimension)- and \(generated.dimension)-dimensional features")
        }
        guard k >= 1, real.count > k, generated.count > k else {
            throw EvaluationError("precision/recall with k = \(k) needs more than \(k) points in each set")
        }
    }

    /// Squared distance from each point to its k-th nearest other point of the set.
    static func kthNeighbourSquaredDistances(_ s: FeatureSet, k: Int) -> [Double] {
        (0..<s.count).map { i in
            var nearest = [Double](repeating: .infinity, count: k)   // ascending
            for j in 0..<s.count where j != i {
                let d = s.squaredDistance(i, s, j)
                if d < nearest[k - 1] {
                    var p = k - 1
                    while p > 0 && nearest[p - 1] > d { nearest[p] = nearest[p - 1]; p -= 1 }
                    nearest[p] = d
                }
            }
            return nearest[k - 1]
        }
    }

    /// Fraction of `points` within radius of some point of `manifold`.
    static func coverage(of points: FeatureSet, by manifold: FeatureSet, radii: [Double]) -> Double {
        var inside = 0
        for i in 0..<points.count {
            for j in 0..<manifold.count where points.squaredDistance(i, manifold, j) <= radii[j] {
                inside += 1
                break
            }
        }
        return Double(inside) / Double(points.count)
    }
}

extension PrecisionRecall {
    /// Which generated point lies in which real point's ball and the other way round, with the
    /// radii of the full sets: precision and recall of any resample of the two sets (bootstrap
    /// replicates, the radii held at their full-sample values) by counting alone.
    public struct Coverage: Sendable {
        let generatedCount: Int, realCount: Int
        /// [i·M + j]: generated i inside real j's ball.
        let generatedInReal: [Bool]
        /// [i·M + j]: real j inside generated i's ball.
        let realInGenerated: [Bool]

        public init(real: FeatureSet, generated: FeatureSet, k: Int = 3) throws {
            try PrecisionRecall.check(real: real, generated: generated, k: k)
            let realRadii = PrecisionRecall.kthNeighbourSquaredDistances(real, k: k)
            let generatedRadii = PrecisionRecall.kthNeighbourSquaredDistances(generated, k: k)
            let n = generated.count, m = real.count
            var a = [Bool](repeating: false, count: n * m), b = a
            for i in 0..<n {
                for j in 0..<m {
                    let d = generated.squaredDistance(i, real, j)
                    a[i * m + j] = d <= realRadii[j]
                    b[i * m + j] = d <= generatedRadii[i]
                }
            }
            generatedCount = n
            realCount = m
            generatedInReal = a
            realInGenerated = b
        }

        /// Fraction of the generated `rows` inside the manifold of the real `referenceRows`.
        public func precision(rows: [Int], referenceRows: [Int]) -> Double {
            let present = Self.present(referenceRows, count: realCount)
            let inside = rows.filter { i in present.contains { generatedInReal[i * realCount + $0] } }.count
            return Double(inside) / Double(Swift.max(rows.count, 1))
        }

        /// Fraction of the real `referenceRows` inside the manifold of the generated `rows`.
        public func recall(rows: [Int], referenceRows: [Int]) -> Double {
            let present = Self.present(rows, count: generatedCount)
            let inside = referenceRows.filter { j in present.contains { realInGenerated[$0 * realCount + j] } }.count
            return Double(inside) / Double(Swift.max(referenceRows.count, 1))
        }

        /// The distinct indices of a resample.
        static func present(_ rows: [Int], count: Int) -> [Int] {
            var seen = [Bool](repeating: false, count: count)
            for r in rows { seen[r] = true }
            return seen.indices.filter { seen[$0] }
        }
    }
}
