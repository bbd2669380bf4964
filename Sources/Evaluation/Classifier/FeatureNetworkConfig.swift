import DriftIO

/// What a feature network's head predicts.
public enum FeatureTask: String, Codable, Sendable {
    /// The data's own classes (labels from the data: Fashion-MNIST's, or a folder's class sub-folders).
    case classes
    /// Which of 0°, 90°, 180° or 270° an image was turned by: self-supervised, needs no labels
    /// (`RotationPretext`; Gidaris, Singh & Komodakis 2018).
    case rotation
}

/// The architecture of a `FeatureClassifier`, recorded in its checkpoint: images of
/// `inputChannels`×`imageSize`×`imageSize`, one 3×3 convolution (GroupNorm, SiLU) per entry of
/// `widths` — the first of stride 1, every later one of stride 2 — then a linear layer to
/// `featureDimension` features (SiLU) and a linear head to one logit per name in `classNames`.
public struct FeatureNetworkConfig: Codable, Equatable, Sendable {
    public var inputChannels: Int
    public var imageSize: Int
    public var widths: [Int]
    public var featureDimension: Int
    public var task: FeatureTask
    /// The head's outputs, index = label: class names, or the four rotations.
    public var classNames: [String]

    /// GroupNorm's groups in every convolution stage (so every width is a multiple of it).
    public static let groups = 8

    public init(inputChannels: Int, imageSize: Int, widths: [Int], featureDimension: Int, task: FeatureTask, classNames: [String]) {
        self.inputChannels = inputChannels
        self.imageSize = imageSize
        self.widths = widths
        self.featureDimension = featureDimension
        self.task = task
        self.classNames = classNames
    }

    /// The network of the shipped Fashion-MNIST classifier (and of every classifier file of format version 1):
    /// 1×28×28 images, widths 32, 64, 128, 128 features, Fashion-MNIST's ten classes.
    public static let fashionMNIST = FeatureNetworkConfig(inputChannels: 1, imageSize: 28, widths: [32, 64, 128], featureDimension: 128,
                                                          task: .classes, classNames: FashionMNIST.classNames)

    /// A network for images of `shape` (C×S×S) of base width w: widths w, 2w, 4w and further stages of 4w
    /// until the last feature map is at most 8×8, and 4w features. w = 32 on 1×28×28 is `fashionMNIST`'s.
    public static func standard(for shape: [Int], width w: Int, task: FeatureTask, classNames: [String]) throws -> FeatureNetworkConfig {
        guard shape.count == 3, shape[1] == shape[2] else {
            throw EvaluationError("a feature network takes square images (channels×size×size), not samples of shape \(shape)")
        }
        var widths = [w, 2 * w, 4 * w]
        while Self.mapSize(shape[1], stages: widths.count) > 8 { widths.append(4 * w) }
        let config = FeatureNetworkConfig(inputChannels: shape[0], imageSize: shape[1], widths: widths, featureDimension: 4 * w,
                                          task: task, classNames: task == .rotation ? RotationPretext.classNames : classNames)
        try config.validate()
        return config
    }

    /// The shape of one input image, [C, S, S].
    public var inputShape: [Int] { [inputChannels, imageSize, imageSize] }

    /// The side of the last feature map: every stage after the first halves it (rounding up).
    public var mapSize: Int { Self.mapSize(imageSize, stages: widths.count) }

    static func mapSize(_ size: Int, stages: Int) -> Int {
        var s = size
        for _ in 1..<Swift.max(stages, 1) { s = (s + 1) / 2 }
        return s
    }

    /// - Throws: `EvaluationError` naming the first setting that cannot work.
    public func validate() throws {
        guard inputChannels >= 1, imageSize >= 4 else {
            throw EvaluationError("a feature network needs images of at least 1×4×4, not \(inputChannels)×\(imageSize)×\(imageSize)")
        }
        guard !widths.isEmpty, widths.allSatisfy({ $0 > 0 && $0 % Self.groups == 0 }) else {
            throw EvaluationError("feature network widths must be positive multiples of \(Self.groups), got \(widths)")
        }
        guard featureDimension >= 1 else { throw EvaluationError("a feature network needs at least one feature, got \(featureDimension)") }
        guard classNames.count >= 2 else { throw EvaluationError("a feature network's head needs at least two classes, got \(classNames.count)") }
        guard imageSize <= 4096, widths.count <= 16, widths.allSatisfy({ $0 <= 4096 }), featureDimension <= 65536, classNames.count <= 65536,
              widths.last! * mapSize * mapSize * featureDimension <= 1 << 28 else {
            throw EvaluationError("feature network too large: \(shapeDescription) images, widths \(widths), \(featureDimension) features")
        }
        if task == .rotation, classNames != RotationPretext.classNames {
            throw EvaluationError("a rotation feature network predicts the four rotations \(RotationPretext.classNames), not \(classNames)")
        }
    }

    /// "3×32×32".
    public var shapeDescription: String { inputShape.map(String.init).joined(separator: "×") }
}
