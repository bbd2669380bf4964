import NN
import TensorCore

/// The small convolutional classifier whose penultimate activations are Drift's image features
/// (FD, KID and precision/recall are computed in them, as FID uses Inception's pool features,
/// Heusel et al. 2017): for 1×28×28 images in [−1, 1],
///
///     conv 3×3 1→32 · GN · SiLU  →  conv 3×3/2 32→64 · GN · SiLU (14×14)  →  conv 3×3/2 64→128 · GN · SiLU (7×7)
///     →  flatten (6272)  →  linear 6272→128 · SiLU  = features (128)  →  linear 128→10 = class logits
///
/// GroupNorm has 8 groups. Parameters are listed under stable keys (`conv1.weight`, …, `head.bias`).
public final class FeatureClassifier: Module {
    public static let featureDimension = 128
    public static let classCount = 10
    public static let imageShape = [1, 28, 28]

    let conv1: Conv2d, conv2: Conv2d, conv3: Conv2d
    let norm1: GroupNorm, norm2: GroupNorm, norm3: GroupNorm
    let fc: Linear, head: Linear

    public init(key: RandomKey) {
        conv1 = Conv2d(1, 32, kernelSize: 3, padding: 1, key: key.fold("conv1"))
        conv2 = Conv2d(32, 64, kernelSize: 3, stride: 2, padding: 1, key: key.fold("conv2"))
        conv3 = Conv2d(64, 128, kernelSize: 3, stride: 2, padding: 1, key: key.fold("conv3"))
        norm1 = GroupNorm(groups: 8, channels: 32)
        norm2 = GroupNorm(groups: 8, channels: 64)
        norm3 = GroupNorm(groups: 8, channels: 128)
        fc = Linear(128 * 7 * 7, Self.featureDimension, key: key.fold("fc"))
        head = Linear(Self.featureDimension, Self.classCount, key: key.fold("head"))
    }

    public func visitParameters(_ body: (String, inout Tensor) -> Void) {
        visit("conv1", conv1, body)
        visit("norm1", norm1, body)
        visit("conv2", conv2, body)
        visit("norm2", norm2, body)
        visit("conv3", conv3, body)
        visit("norm3", norm3, body)
        visit("fc", fc, body)
        visit("head", head, body)
    }

    /// Penultimate features [B, 128] of images [B, 1, 28, 28].
    public func features(_ x: Tensor) -> Tensor {
        precondition(Array(x.shape.dropFirst()) == Self.imageShape, "FeatureClassifier: images of shape \(x.shape), expected [B, 1, 28, 28]")
        let h1 = norm1(conv1(x), silu: true)
        let h2 = norm2(conv2(h1), silu: true)
        let h3 = norm3(conv3(h2), silu: true)
        return fc(h3.reshaped([x.shape[0], 128 * 7 * 7])).silu()
    }

    /// Class logits [B, 10].
    public func logits(_ x: Tensor) -> Tensor { head(features(x)) }

    /// Mean cross-entropy −log softmax(logits)[label] over the batch.
    public func crossEntropy(_ x: Tensor, labels: [Int]) -> Tensor {
        let z = logits(x)
        var onehot = [Float](repeating: 0, count: labels.count * Self.classCount)
        for (i, l) in labels.enumerated() { onehot[i * Self.classCount + l] = 1 }
        let picked = (z * Tensor(onehot, shape: z.shape)).sum(axis: 1)
        return (z.logSumExp(axis: 1) - picked).mean()
    }

    /// Predicted classes, in batches of `batch`.
    public func predict(_ x: Tensor, batch: Int = 500) -> [Int] {
        logitRows(x, batch: batch).map { row in row.indices.max { row[$0] < row[$1] }! }
    }

    /// Features of many images, computed in batches, as a `FeatureSet`.
    public func featureSet(_ x: Tensor, batch: Int = 500) -> FeatureSet {
        var values = [Double]()
        values.reserveCapacity(x.shape[0] * Self.featureDimension)
        Self.inBatches(x, batch) { values += features($0).scalars.map(Double.init) }
        return FeatureSet(values: values, count: x.shape[0], dimension: Self.featureDimension)
    }

    func logitRows(_ x: Tensor, batch: Int) -> [[Float]] {
        var rows = [[Float]]()
        Self.inBatches(x, batch) { part in
            let z = logits(part).scalars
            for i in 0..<part.shape[0] { rows.append(Array(z[(i * Self.classCount)..<((i + 1) * Self.classCount)])) }
        }
        return rows
    }

    /// Calls `body` on consecutive batches of at most `batch` images of x.
    static func inBatches(_ x: Tensor, _ batch: Int, _ body: (Tensor) -> Void) {
        let n = x.shape[0], per = x.count / Swift.max(n, 1), v = x.scalars
        for lo in stride(from: 0, to: n, by: batch) {
            let hi = Swift.min(n, lo + batch)
            body(Tensor(Array(v[(lo * per)..<(hi * per)]), shape: [hi - lo] + imageShape))
        }
    }
}
