import Foundation

/// Within-class diversity of class-conditional samples, relative to real data: for each class c,
/// the mean Euclidean distance between two different samples of class c in feature space, divided
/// by the same mean over real images of class c; the ratios averaged over the classes both sets
/// have (at least two members each). 1 means samples of a class spread as widely as real images of
/// it; guidance typically shrinks it (Ho & Salimans 2022 trade diversity for fidelity).
public func classDiversity(_ samples: FeatureSet, classes: [Int], real: FeatureSet, realClasses: [Int]) throws -> Double {
    guard samples.count == classes.count, real.count == realClasses.count else {
        throw EvaluationError("class diversity needs one class per sample and per real image")
    }
    guard samples.dimension == real.dimension else {
        throw EvaluationError("class diversity: features of dimension \(samples.dimension) and \(real.dimension)")
    }
    var ratios = [Double]()
    for c in Set(classes).sorted() {
        let mine = classes.indices.filter { classes[$0] == c }, theirs = realClasses.indices.filter { realClasses[$0] == c }
        guard mine.count >= 2, theirs.count >= 2 else { continue }
        ratios.append(meanPairwiseDistance(samples, rows: mine) / meanPairwiseDistance(real, rows: theirs))
    }
    guard !ratios.isEmpty else { throw EvaluationError("class diversity needs two samples and two real images of some class") }
    return ratios.reduce(0, +) / Double(ratios.count)
}

/// Mean Euclidean distance over the unordered pairs of distinct rows (exact, O(n²·d)).
func meanPairwiseDistance(_ f: FeatureSet, rows: [Int]) -> Double {
    var total = 0.0, pairs = 0
    for (a, i) in rows.enumerated() {
        let x = f.row(i)
        for j in rows[(a + 1)...] {
            var d2 = 0.0
            for (p, q) in zip(x, f.row(j)) { d2 += (p - q) * (p - q) }
            total += d2.squareRoot()
            pairs += 1
        }
    }
    return pairs > 0 ? total / Double(pairs) : 0
}
