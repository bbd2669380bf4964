/// Exact solution of the linear assignment problem: the permutation π of
/// 0..<n minimising Σᵢ C[i, π(i)] for a square cost matrix C.
///
/// Hungarian algorithm in its shortest-augmenting-path form with dual
/// potentials (Kuhn 1955; Munkres 1957; Jonker & Volgenant 1987): rows are
/// added one at a time; for each, a Dijkstra-like search over reduced costs
/// C[i, j] − u[i] − v[j] ≥ 0 finds the cheapest augmenting path, the
/// potentials are updated so reduced costs stay non-negative, and the
/// matching is flipped along the path. O(n³) time, O(n) extra memory.
/// Costs are Double; ties are broken by the lowest column index, so the
/// result is deterministic.
public enum LinearAssignment {
    /// The optimal assignment: `result[i]` is the column given to row i.
    /// - Parameters:
    ///   - cost: row-major n×n costs (finite).
    ///   - n: number of rows (and columns).
    public static func solve(cost: [Double], n: Int) -> [Int] {
        precondition(cost.count == n * n, "LinearAssignment.solve: \(cost.count) costs for a \(n)×\(n) matrix")
        precondition(cost.allSatisfy(\.isFinite), "LinearAssignment.solve: costs must be finite")
        if n == 0 { return [] }
        // 1-based arrays; column 0 is a virtual column that holds the row being inserted.
        var u = [Double](repeating: 0, count: n + 1)
        var v = [Double](repeating: 0, count: n + 1)
        var rowOfColumn = [Int](repeating: 0, count: n + 1)    // 0 = free
        var previous = [Int](repeating: 0, count: n + 1)
        var minReduced = [Double](repeating: 0, count: n + 1)
        var used = [Bool](repeating: false, count: n + 1)
        cost.withUnsafeBufferPointer { c in
            for row in 1...n {
                rowOfColumn[0] = row
                var j0 = 0
                for j in 0...n { minReduced[j] = .infinity; used[j] = false }
                repeat {
                    used[j0] = true
                    let i0 = rowOfColumn[j0]
                    var delta = Double.infinity
                    var j1 = 0
                    let base = (i0 - 1) * n - 1
                    let ui0 = u[i0]
                    for j in 1...n where !used[j] {
                        let reduced = c[base + j] - ui0 - v[j]
                        if reduced < minReduced[j] { minReduced[j] = reduced; previous[j] = j0 }
                        if minReduced[j] < delta { delta = minReduced[j]; j1 = j }
                    }
                    for j in 0...n {
                        if used[j] { u[rowOfColumn[j]] += delta; v[j] -= delta } else { minReduced[j] -= delta }
                    }
                    j0 = j1
                } while rowOfColumn[j0] != 0
                // Flip the matching along the augmenting path.
                repeat {
                    let j1 = previous[j0]
                    rowOfColumn[j0] = rowOfColumn[j1]
                    j0 = j1
                } while j0 != 0
            }
        }
        var assignment = [Int](repeating: 0, count: n)
        for j in 1...n { assignment[rowOfColumn[j] - 1] = j - 1 }
        return assignment
    }

    /// Total cost Σᵢ C[i, assignment[i]].
    public static func totalCost(cost: [Double], n: Int, assignment: [Int]) -> Double {
        assignment.enumerated().reduce(0) { $0 + cost[$1.offset * n + $1.element] }
    }
}
