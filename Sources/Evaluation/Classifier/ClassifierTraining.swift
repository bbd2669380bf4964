import Datasets
import Foundation
import NN
import TensorCore

/// Trains a `FeatureClassifier` on labelled images with Adam, cross-entropy, a linear warm-up and
/// cosine decay, a fresh permutation of the examples every epoch (keyed by seed and epoch) and
/// random horizontal flips. Deterministic for a seed and thread count.
public struct ClassifierTraining {
    public var epochs: Int
    public var batch: Int
    public var learningRate: Double
    public var seed: UInt64

    public init(epochs: Int, batch: Int, learningRate: Double, seed: UInt64) {
        self.epochs = epochs
        self.batch = batch
        self.learningRate = learningRate
        self.seed = seed
    }

    /// Progress after every step: (step, total steps, mean loss of the last 50 steps).
    public typealias Progress = (_ step: Int, _ total: Int, _ loss: Double) -> Void

    /// - Throws: `EvaluationError` if the data has no labels or is not 1×28×28.
    public func train(on data: ExampleSet, progress: Progress? = nil) throws -> FeatureClassifier {
        guard let labels = data.labels else { throw EvaluationError("classifier training needs labelled data") }
        guard data.sampleShape == FeatureClassifier.imageShape else {
            throw EvaluationError("the classifier takes 1×28×28 images, got \(data.sampleShape)")
        }
        let key = RandomKey(seed: seed)
        let model = FeatureClassifier(key: key.fold("init"))
        let optimizer = Adam(learningRate: Float(learningRate))
        let perEpoch = data.count / batch, total = perEpoch * epochs, warmup = Swift.max(1, total / 50)
        var recent = [Double]()
        var step = 0
        for epoch in 0..<epochs {
            let order = ShuffledExamples.permutation(data.count, key: key.fold("epoch").fold(UInt64(epoch)))
            for b in 0..<perEpoch {
                let indices = Array(order[(b * batch)..<((b + 1) * batch)])
                let flips = Tensor.randomUniform([batch], key: key.fold("flip").fold(UInt64(step))).scalars.map { $0 < 0.5 }
                let x = data.gather(indices, flipHorizontally: flips)
                let y = indices.map { labels[$0] }
                let progressFraction = Double(step) / Double(total)
                let lr = step < warmup ? Double(step + 1) / Double(warmup) : 0.5 * (1 + Foundation.cos(Double.pi * progressFraction))
                optimizer.learningRate = Float(learningRate * lr)
                let (loss, grads) = valueWithGradient(of: model) { model.crossEntropy(x, labels: y) }
                optimizer.step(model, gradients: grads)
                step += 1
                recent.append(Double(loss))
                if recent.count > 50 { recent.removeFirst() }
                progress?(step, total, recent.reduce(0, +) / Double(recent.count))
            }
        }
        return model
    }

    /// Fraction of `data` the model classifies correctly.
    public static func accuracy(_ model: FeatureClassifier, on data: ExampleSet) throws -> Double {
        guard let labels = data.labels else { throw EvaluationError("accuracy needs labelled data") }
        let predicted = model.predict(data.values)
        return Double(zip(predicted, labels).filter { $0 == $1 }.count) / Double(labels.count)
    }
}
