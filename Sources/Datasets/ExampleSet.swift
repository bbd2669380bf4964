import TensorCore

/// A finite set of examples in memory: values [N] + sampleShape (images in
/// [−1, 1], NCHW) and, where the data have them, integer class labels.
public struct ExampleSet: @unchecked Sendable {
    /// All examples, shape [N] + sampleShape.
    public let values: Tensor
    /// Class label of each example (Fashion-MNIST: 0…9), or nil.
    public let labels: [Int]?
    /// Name of each class, index = label (nil when there are no labels).
    public let classNames: [String]?

    public init(values: Tensor, labels: [Int]? = nil, classNames: [String]? = nil) {
        precondition(values.rank >= 2, "ExampleSet: values need a sample axis and at least one more, got \(values.shape)")
        precondition(labels == nil || labels!.count == values.shape[0],
                     "ExampleSet: \(labels?.count ?? 0) labels for \(values.shape[0]) examples")
        precondition(labels == nil || classNames == nil || labels!.allSatisfy { (0..<classNames!.count).contains($0) },
                     "ExampleSet: a label is out of range of the \(classNames?.count ?? 0) class names")
        self.values = values
        self.labels = labels
        self.classNames = labels == nil ? nil : classNames ?? (labels!.max().map { Array(0...$0).map(String.init) } ?? [])
    }

    public var count: Int { values.shape[0] }
    public var sampleShape: [Int] { Array(values.shape.dropFirst()) }

    /// The examples at `indices`, each mirrored left–right where `flipHorizontally[i]` is true.
    public func gather(_ indices: [Int], flipHorizontally: [Bool]? = nil) -> Tensor {
        let per = sampleShape.reduce(1, *)
        let width = sampleShape.last ?? 1
        let out = Tensor.zeros([indices.count] + sampleShape)
        let src = values.storage.pointer
        out.withUnsafeMutableBufferPointer { dst in
            for (row, index) in indices.enumerated() {
                precondition(index >= 0 && index < count, "ExampleSet.gather: index \(index) out of range 0..<\(count)")
                let s = src + index * per, d = dst.baseAddress! + row * per
                if flipHorizontally?[row] == true {
                    var line = 0
                    while line < per {
                        for x in 0..<width { d[line + x] = s[line + width - 1 - x] }
                        line += width
                    }
                } else {
                    d.update(from: s, count: per)
                }
            }
        }
        return out
    }

    /// The first `n` examples (or all of them), e.g. for a quick run or a reference batch.
    public func prefix(_ n: Int) -> ExampleSet { rows(Array(0..<min(n, count))) }

    /// The examples at `indices` (in that order) with their labels, e.g. a held-out share.
    public func rows(_ indices: [Int]) -> ExampleSet {
        ExampleSet(values: gather(indices), labels: labels.map { l in indices.map { l[$0] } }, classNames: classNames)
    }
}
