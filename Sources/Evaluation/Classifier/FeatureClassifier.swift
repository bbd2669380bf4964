import NN
import TensorCore

/// The small convolutional classifier whose penultimate activations are Drift's image features
/// (FD, KID and precision/recall are computed in them, as FID uses Inception's pool features,
/// Heusel et al. 2017). Its shape is data (`FeatureNetworkConfig`); the shipped Fashion-MNIST one,
/// for 1×28×28 images in [−1, 1], is
///
///     conv 3×3 1→32 · GN · SiLU  →  conv 3×3/2 32→64 · GN · SiLU (14×14)  →  conv 3×3/2 64→128 · GN · SiLU (7×7)
///     →  flatten (6272)  →  linear 6272→128 · SiLU  = features (128)  →  linear 128→10 = class logits
///
/// GroupNorm has 8 groups. Parameters are listed under stable keys (`conv1.weight`, `norm1.weight`, …,
/// `convK.…`, `fc.…`, `head.bias`). The head predicts the data's classes or, trained without labels,
/// an image's rotation (`FeatureTask`).
public final class FeatureClassifier: Module {
    public let config: FeatureNetworkConfig
    let convs: [Conv2d], norms: [GroupNorm]
    let fc: Linear, head: Linear

    public init(_ config: FeatureNetworkConfig = .fashionMNIST, key: RandomKey) {
        self.config = config
        var convs = [Conv2d](), norms = [GroupNorm](), channels = config.inputChannels
        for (i, width) in config.widths.enumerated() {
            convs.append(Conv2d(channels, width, kernelSize: 3, stride: i == 0 ? 1 : 2, padding: 1, key: key.fold("conv\(i + 1)")))
            norms.append(GroupNorm(groups: FeatureNetworkConfig.groups, channels: width))
            channels = width
        }
        self.convs = convs
        self.norms = norms
        fc = Linear(flattenedCount(config), config.featureDimension, key: key.fold("fc"))
        head = Linear(config.featureDimension, config.classNames.count, key: key.fold("head"))
    }

    public var featureDimension: Int { config.featureDimension }
    public var classCount: Int { config.classNames.count }
    /// The shape of one image it takes, [C, S, S].
    public var inputShape: [Int] { config.inputShape }

    public func visitParameters(_ body: (String, inout Tensor) -> Void) {
        for i in convs.indices {
            visit("conv\(i + 1)", convs[i], body)
            visit("norm\(i + 1)", norms[i], body)
        }
        visit("fc", fc, body)
        visit("head", head, body)
    }

    /// Penultimate features [B, featureDimension] of images [B] + `inputShape`.
    public func features(_ x: Tensor) -> Tensor {
        precondition(Array(x.shape.dropFirst()) == inputShape, "FeatureClassifier: images of shape \(x.shape), expected [B] + \(inputShape)")
        var h = x
        for (conv, norm) in zip(convs, norms) { h = norm(conv(h), silu: true) }
        return fc(h.reshaped([x.shape[0], flattenedCount(config)])).silu()
    }

    /// Class logits [B, classCount].
    public func logits(_ x: Tensor) -> Tensor { head(features(x)) }

    /// Mean cross-entropy −log softmax(logits)[label] over the batch.
    public func crossEntropy(_ x: Tensor, labels: [Int]) -> Tensor {
        let z = logits(x)
        var onehot = [Float](repeating: 0, count: labels.count * classCount)
        for (i, l) in labels.enumerated() { onehot[i * classCount + l] = 1 }
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
        values.reserveCapacity(x.shape[0] * featureDimension)
        Self.inBatches(x, batch) { values += features($0).scalars.map(Double.init) }
        return FeatureSet(values: values, count: x.shape[0], dimension: featureDimension)
    }

    func logitRows(_ x: Tensor, batch: Int) -> [[Float]] {
        var rows = [[Float]]()
        let k = classCount
        Self.inBatches(x, batch) { part in
            let z = logits(part).scalars
            for i in 0..<part.shape[0] { rows.append(Array(z[(i * k)..<((i + 1) * k)])) }
        }
        return rows
    }

    /// Calls `body` on consecutive batches of at most `batch` images of x.
    static func inBatches(_ x: Tensor, _ batch: Int, _ body: (Tensor) -> Void) {
        let n = x.shape[0], per = x.count / Swift.max(n, 1), v = x.scalars, imageShape = Array(x.shape.dropFirst())
        for lo in stride(from: 0, to: n, by: batch) {
            let hi = Swift.min(n, lo + batch)
            body(Tensor(Array(v[(lo * per)..<(hi * per)]), shape: [hi - lo] + imageShape))
        }
    }
}

/// The length of the last feature map flattened: last width × map size².
private func flattenedCount(_ config: FeatureNetworkConfig) -> Int { config.widths.last! * config.mapSize * config.mapSize }
