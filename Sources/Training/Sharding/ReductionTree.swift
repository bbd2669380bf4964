/// A fixed binary tree over K leaves (the shards of a batch) that says in which order their
/// partial sums are added, so a sum computed in pieces — by several processes, each adding the
/// leaves it holds — has the same bits as the sum computed in one place.
///
/// Floating-point addition is not associative: Σ over K gradients depends on how the terms are
/// grouped, which is why parallel sums are not reproducible in general (the problem
/// reproducible-summation work addresses, e.g. Demmel & Nguyen, "Fast reproducible
/// floating-point summation", 2013). When the terms themselves are fixed, the simplest remedy is
/// to fix the grouping once, independently of who computes what. Here the grouping is the tree: node [lo, hi) with more than one leaf has the children [lo, mid) and [mid, hi),
/// mid = ⌈(lo + hi) / 2⌉, and its sum is always sum(left) + sum(right).
///
/// A contiguous run of leaves (one rank's shards) is the disjoint union of O(log K) maximal
/// subtrees (`cover`, as in a segment tree). A rank sums each of those subtrees on its own, by
/// the tree's own order (`sum(_:leaf:add:)`); once every rank's subtree sums are known, the rest
/// of the tree above them is evaluated identically everywhere (`sum(from:add:)`). Every
/// addition performed is one of the additions of the whole tree, on the same operands, so the
/// root is bitwise the one process's root — whatever the number of ranks and however the leaves
/// are shared out.
public struct ReductionTree: Sendable {
    /// A subtree: the leaves lower ..< upper.
    public struct Node: Hashable, Sendable, CustomStringConvertible {
        public let lower: Int, upper: Int
        public init(_ range: Range<Int>) { (lower, upper) = (range.lowerBound, range.upperBound) }
        public var range: Range<Int> { lower..<upper }
        public var isLeaf: Bool { upper - lower == 1 }
        public var description: String { "[\(lower), \(upper))" }
    }

    /// Leaves (K ≥ 1).
    public let leaves: Int

    public init(leaves: Int) {
        precondition(leaves >= 1, "ReductionTree: needs at least one leaf, got \(leaves)")
        self.leaves = leaves
    }

    public var root: Node { Node(0..<leaves) }

    /// A node's two subtrees (nil for a leaf): [lo, mid) and [mid, hi) with mid = ⌈(lo + hi) / 2⌉.
    public func children(of node: Node) -> (left: Node, right: Node)? {
        guard !node.isLeaf else { return nil }
        let mid = (node.lower + node.upper + 1) / 2
        return (Node(node.lower..<mid), Node(mid..<node.upper))
    }

    /// The maximal subtrees whose leaves all lie in `range`, left to right: they partition the range.
    public func cover(_ range: Range<Int>) -> [Node] {
        precondition(range.lowerBound >= 0 && range.upperBound <= leaves, "ReductionTree.cover: \(range) outside 0..<\(leaves)")
        var out: [Node] = []
        func visit(_ node: Node) {
            if node.lower >= range.upperBound || node.upper <= range.lowerBound { return }
            if node.lower >= range.lowerBound && node.upper <= range.upperBound { out.append(node); return }
            let (left, right) = children(of: node)!
            visit(left)
            visit(right)
        }
        if !range.isEmpty { visit(root) }
        return out
    }

    /// The sum of `node`'s leaves in the tree's order, asking `leaf(i)` for each leaf once, left to
    /// right (depth first, so at most one partial sum per level is held at a time).
    /// `add(&l, r)` makes l the sum l + r (in place, so no partial sum is copied).
    public func sum<V>(_ node: Node, leaf: (Int) throws -> V, add: (inout V, V) -> Void) rethrows -> V {
        guard let (left, right) = children(of: node) else { return try leaf(node.lower) }
        var l = try sum(left, leaf: leaf, add: add)
        add(&l, try sum(right, leaf: leaf, add: add))
        return l
    }

    /// The root's sum from the sums of subtrees that partition the leaves (`known`, e.g. every
    /// rank's `cover`): the tree above them evaluated in its order.
    public func sum<V>(from known: [Node: V], add: (inout V, V) -> Void) -> V {
        func value(_ node: Node) -> V {
            if let v = known[node] { return v }
            guard let (left, right) = children(of: node) else {
                preconditionFailure("ReductionTree.sum(from:): no subtree covers leaf \(node.lower)")
            }
            var l = value(left)
            add(&l, value(right))
            return l
        }
        return value(root)
    }
}
