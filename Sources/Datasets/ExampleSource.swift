import TensorCore

/// Where training examples come from: an endless, position-addressable stream.
///
/// The examples at stream positions `position ..< position + count` are a pure
/// function of `(key, position)`: the training loop keeps only the position
/// (saved in checkpoints), so a resumed run draws exactly the batches the
/// uninterrupted run would have drawn, whatever happened in between.
public protocol ExampleSource {
    /// Shape of one example (without the batch axis), e.g. [2] or [1, 28, 28].
    var sampleShape: [Int] { get }
    /// Examples at positions `position ..< position + count`, shape [count] + sampleShape.
    func examples(at position: Int, count: Int, key: RandomKey) -> Tensor
    /// Names of the classes, index = label (nil: the data have no labels).
    var classNames: [String]? { get }
    /// The class label of each example at positions `position ..< position + count`, the same
    /// examples `examples(at:count:key:)` returns (nil: the data have no labels).
    func labels(at position: Int, count: Int, key: RandomKey) -> [Int]?
}

extension ExampleSource {
    public var classNames: [String]? { nil }
    public func labels(at position: Int, count: Int, key: RandomKey) -> [Int]? { nil }
}

/// An endless stream of samples of a 2-D toy distribution (never repeats).
public struct ToySource: ExampleSource {
    public let distribution: ToyDistribution
    public init(_ distribution: ToyDistribution) { self.distribution = distribution }
    public var sampleShape: [Int] { [2] }
    public func examples(at position: Int, count: Int, key: RandomKey) -> Tensor {
        distribution.sample(count, key: key, firstSample: position)
    }
    public var classNames: [String]? { distribution.classNames }
    public func labels(at position: Int, count: Int, key: RandomKey) -> [Int]? {
        distribution.labels(count, key: key, firstSample: position)
    }
}

/// A finite example set visited epoch by epoch in a fresh random order,
/// optionally with random horizontal flips.
///
/// Position p belongs to epoch e = p / N at slot p mod N; epoch e's order is a
/// Fisher–Yates permutation driven by `key.fold("epoch").fold(e)`, and the flip
/// of position p is one bit of `key.fold("flip")` at counter p. The last
/// permutation is cached (a class for that reason; not thread-safe).
public final class ShuffledExamples: ExampleSource {
    public let exampleSet: ExampleSet
    public let flip: Bool
    private var cachedEpoch = -1
    private var cachedKey: RandomKey?
    private var cachedOrder: [Int] = []

    public init(_ set: ExampleSet, flip: Bool = false) {
        precondition(set.count > 0, "ShuffledExamples: empty example set")
        precondition(!flip || set.sampleShape.count == 3, "ShuffledExamples: flips need images [C, H, W], got \(set.sampleShape)")
        self.exampleSet = set
        self.flip = flip
    }

    public var sampleShape: [Int] { exampleSet.sampleShape }
    public var classNames: [String]? { exampleSet.classNames }

    /// The set indices of positions `position ..< position + count`.
    public func indices(at position: Int, count: Int, key: RandomKey) -> [Int] {
        (position..<(position + count)).map { p in
            let epoch = p / exampleSet.count
            return order(epoch: epoch, key: key)[p % exampleSet.count]
        }
    }

    public func examples(at position: Int, count: Int, key: RandomKey) -> Tensor {
        let idx = indices(at: position, count: count, key: key)
        let flips = flip ? (position..<(position + count)).map { Self.flipBit(position: $0, key: key) } : nil
        return exampleSet.gather(idx, flipHorizontally: flips)
    }

    public func labels(at position: Int, count: Int, key: RandomKey) -> [Int]? {
        guard let labels = exampleSet.labels else { return nil }
        return indices(at: position, count: count, key: key).map { labels[$0] }
    }

    private func order(epoch: Int, key: RandomKey) -> [Int] {
        if epoch != cachedEpoch || key != cachedKey {
            cachedOrder = Self.permutation(exampleSet.count, key: key.fold("epoch").fold(UInt64(epoch)))
            cachedEpoch = epoch
            cachedKey = key
        }
        return cachedOrder
    }

    /// A uniformly random permutation of 0..<n (Fisher–Yates, Knuth Algorithm P),
    /// fully determined by `key` (independent of the Swift standard library's shuffle).
    public static func permutation(_ n: Int, key: RandomKey) -> [Int] {
        var a = Array(0..<n)
        var stream = PhiloxStream(key: key)
        var i = n - 1
        while i > 0 {
            let j = stream.nextInt(below: i + 1)
            a.swapAt(i, j)
            i -= 1
        }
        return a
    }

    static func flipBit(position: Int, key: RandomKey) -> Bool {
        var s = PhiloxStream(key: key.fold("flip"), counter: UInt64(position))
        return s.next() & 1 == 1
    }
}

/// A sequence of random 64-bit words: Philox-4×32-10 at counters c, c+1, … under one key.
public struct PhiloxStream: RandomNumberGenerator {
    public let key: RandomKey
    public private(set) var counter: UInt64

    public init(key: RandomKey, counter: UInt64 = 0) {
        self.key = key
        self.counter = counter
    }

    public mutating func next() -> UInt64 {
        let r = Philox.block(counter: (UInt32(truncatingIfNeeded: counter), UInt32(truncatingIfNeeded: counter >> 32), 0x5EED, 0),
                             key: (key.k0, key.k1))
        counter &+= 1
        return UInt64(r.0) | (UInt64(r.1) << 32)
    }

    /// An integer in 0..<n by multiply-shift (Lemire 2019; bias below 2⁻³² for n < 2³²).
    public mutating func nextInt(below n: Int) -> Int {
        precondition(n > 0, "PhiloxStream.nextInt: bound must be positive, got \(n)")
        return Int(next().multipliedFullWidth(by: UInt64(n)).high)
    }
}
