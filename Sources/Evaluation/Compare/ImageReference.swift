import Foundation
import TensorCore

/// Real images and the feature network for the image metrics: generated samples are compared with
/// the features of `real` images; `floor` (as many other real images: training images against the
/// test images, or a second share of a folder) gives each metric's data floor.
public struct ImageReference {
    public var classifier: FeatureClassifier
    /// Features of the real images the samples are compared with.
    public var real: FeatureSet
    /// The real images' labels as the classifier's classes; nil when the images have none, or the
    /// classifier predicts other classes (a rotation network, or another dataset's classes).
    public var realLabels: [Int]?
    /// Class frequencies of the real images (their labels).
    public var realClasses: [Double]?
    public var floor: Tensor
    /// The floor images' labels (the floor of the conditional metrics), as the classifier's classes.
    public var floorLabels: [Int]?
    /// The floor's name in results.csv: "train-vs-test" (Fashion-MNIST) or "data-vs-data" (a folder).
    public var floorName: String

    /// - Throws: `EvaluationError` when the images do not have the classifier's input shape or a label is
    ///   not one of its classes.
    public init(classifier: FeatureClassifier, realImages: Tensor, realLabels: [Int]?, floor: Tensor, floorLabels: [Int]? = nil,
                floorName: String = "train-vs-test") throws {
        for (images, labels, what) in [(realImages, realLabels, "real"), (floor, floorLabels, "floor")] {
            guard Array(images.shape.dropFirst()) == classifier.inputShape else {
                throw EvaluationError("the feature network takes \(classifier.config.shapeDescription) images, the \(what) images are "
                                      + images.shape.dropFirst().map(String.init).joined(separator: "×"))
            }
            guard labels.map({ $0.count == images.shape[0] && $0.allSatisfy { (0..<classifier.classCount).contains($0) } }) ?? true else {
                throw EvaluationError("the \(what) images' labels must be one per image and among the feature network's \(classifier.classCount) classes")
            }
        }
        self.classifier = classifier
        self.real = classifier.featureSet(realImages)
        self.realLabels = realLabels
        self.realClasses = realLabels.map { Self.histogram($0, classes: classifier.classCount) }
        self.floor = floor
        self.floorLabels = floorLabels
        self.floorName = floorName
    }

    /// Whether the classifier's classes are those of the real images (the class-frequency metric).
    public var hasClasses: Bool { classifier.config.task == .classes && realLabels != nil }

    static func histogram(_ labels: [Int], classes: Int) -> [Double] {
        var h = [Double](repeating: 0, count: classes)
        for l in labels { h[l] += 1 }
        return h.map { $0 / Double(Swift.max(labels.count, 1)) }
    }
}
