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
        guard real.dimension == generated.dimension else {
            throw EvaluationError("precision/recall between \(real.dimension)- and \(generated.dimension)-dimensional features")
        }
        guard k >= 1, real.count > k, generated.count > k else {
            throw EvaluationError("precision/recall with k = \(k) needs more than \(k) points in each set")
        }
        let realRadii = Self.kthNeighbourSquaredDistances(real, k: k)
        let generatedRadii = Self.kthNeighbourSquaredDistances(generated, k: k)
        precision = Self.coverage(of: generated, by: real, radii: realRadii)
        recall = Self.coverage(of: real, by: generated, radii: generatedRadii)
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
