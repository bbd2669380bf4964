import TensorCore

/// A learned vector per class, plus one for "no class": the null class of classifier-free
/// guidance (Ho & Salimans 2022, "Classifier-free diffusion guidance", §3.2), which one network
/// learns beside the conditional classes by dropping labels during training.
///
///     e(c) = weight[c],   c ∈ 0 …< classCount, or the null row weight[classCount] for c = nil
///
/// Computed as a one-hot product onehot(c) · weight, so the tape's matmul rule gives the gradient
/// (the rows of the classes in the batch, summed) and the lookup is exact (one product with 1, the
/// others with 0). Initialized N(0, 1) like PyTorch's `nn.Embedding`. Key: `weight` [classCount + 1, D].
public final class ClassEmbedding: Module {
    public var weight: Tensor
    /// Number of real classes (the table has one more row, the null class).
    public let classCount: Int

    public init(classes: Int, dimension: Int, key: RandomKey) {
        precondition(classes >= 1 && dimension >= 1, "ClassEmbedding: need ≥ 1 class and dimension, got \(classes) and \(dimension)")
        classCount = classes
        weight = Tensor.randomNormal([classes + 1, dimension], key: key.fold("weight"))
    }

    public var dimension: Int { weight.shape[1] }

    public func visitParameters(_ body: (String, inout Tensor) -> Void) {
        body("weight", &weight)
    }

    /// Embeds one class per row (nil: the null class) → [B, D].
    public func callAsFunction(_ classes: [Int?]) -> Tensor {
        let rows = classCount + 1
        var oneHot = [Float](repeating: 0, count: classes.count * rows)
        for (b, c) in classes.enumerated() {
            let index = c ?? classCount
            precondition(index >= 0 && index < rows, "ClassEmbedding: class \(index) out of range 0..<\(classCount)")
            oneHot[b * rows + index] = 1
        }
        return Tensor(oneHot, shape: [classes.count, rows]).matmul(weight)
    }
}
