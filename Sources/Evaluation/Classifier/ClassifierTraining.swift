import Datasets
import Foundation
import NN
import TensorCore

/// Trains a `FeatureClassifier` with Adam, cross-entropy, a linear warm-up and cosine decay, a fresh
/// permutation of the examples every epoch (keyed by seed and epoch) and random horizontal flips.
/// The head learns the data's labels (`FeatureTask.classes`) or, without labels, the rotation of each
/// image, every image of a batch in all four (`FeatureTask.rotation`, `RotationPretext`).
/// Deterministic for a seed and thread count.
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

    /// - Throws: `EvaluationError` if the images do not have the network's shape, a class network's
    ///   data has no labels or other classes, or there are fewer images than a batch.
    public func train(on data: ExampleSet, network: FeatureNetworkConfig = .fashionMNIST, progress: Progress? = nil) throws -> FeatureClassifier {
        try network.validate()
        guard data.sampleShape == network.inputShape else {
            throw EvaluationError("the feature network takes \(network.shapeDescription) images, got \(data.sampleShape.map(String.init).joined(separator: "×"))")
        }
        let labels: [Int]?
        switch network.task {
        case .classes:
            guard let l = data.labels, let names = data.classNames else { throw EvaluationError("classifier training needs labelled data") }
            guard names == network.classNames else {
                throw EvaluationError("the feature network's classes \(network.classNames) are not the data's \(names)")
            }
            labels = l
        case .rotation:
            labels = nil
        }
        guard batch >= 1, data.count >= batch else {
            throw EvaluationError("classifier training needs at least one batch of \(batch) images, got \(data.count)")
        }
        let key = RandomKey(seed: seed)
        let model = FeatureClassifier(network, key: key.fold("init"))
        let optimizer = Adam(learningRate: Float(learningRate))
        let perEpoch = data.count / batch, total = perEpoch * epochs, warmup = Swift.max(1, total / 50)
        var recent = [Double]()
        var step = 0
        for epoch in 0..<epochs {
            let order = ShuffledExamples.permutation(data.count, key: key.fold("epoch").fold(UInt64(epoch)))
            for b in 0..<perEpoch {
                let indices = Array(order[(b * batch)..<((b + 1) * batch)])
                let flips = Tensor.randomUniform([batch], key: key.fold("flip").fold(UInt64(step))).scalars.map { $0 < 0.5 }
                let images = data.gather(indices, flipHorizontally: flips)
                let (x, y) = labels.map { l in (images, indices.map { l[$0] }) } ?? RotationPretext.allRotations(images)
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

    /// Fraction of `data` the model classifies correctly: its labels, or for a rotation network the
    /// rotation of each image in all four rotations.
    public static func accuracy(_ model: FeatureClassifier, on data: ExampleSet) throws -> Double {
        let (x, labels): (Tensor, [Int])
        switch model.config.task {
        case .classes:
            guard let l = data.labels else { throw EvaluationError("accuracy needs labelled data") }
            (x, labels) = (data.values, l)
        case .rotation:
            (x, labels) = RotationPretext.allRotations(data.values)
        }
        let predicted = model.predict(x)
        return Double(zip(predicted, labels).filter { $0 == $1 }.count) / Double(Swift.max(labels.count, 1))
    }
}
