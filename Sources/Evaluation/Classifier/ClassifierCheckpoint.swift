import DriftIO
import Foundation
import TensorCore
import TensorIO

/// A trained `FeatureClassifier` in HDF5 (written atomically, CRC32 per dataset, like model checkpoints):
///
///     /                  attrs: format = "drift-classifier", format_version = 2,
///                               network (JSON: `FeatureNetworkConfig`), test_accuracy (Double),
///                               training (JSON: data, epochs, batch, lr, seed, …)
///     /parameters/<key>  float32, one dataset per tensor (conv1.weight, …, head.bias)
///
/// Version 1 files (the shipped `checkpoints/fashion-classifier.h5`) have no `network` attribute: their
/// network is `FeatureNetworkConfig.fashionMNIST`.
public struct ClassifierCheckpoint {
    public static let format = "drift-classifier"
    public static let formatVersion: Int64 = 2

    public var model: FeatureClassifier
    /// Accuracy on held-out images (the data's classes, or the rotations for a rotation network).
    public var testAccuracy: Double
    public var training: String

    public init(model: FeatureClassifier, testAccuracy: Double, training: String) {
        self.model = model
        self.testAccuracy = testAccuracy
        self.training = training
    }

    public func write(to path: String) throws {
        let writer = try HDF5Writer(path: path)
        do {
            try writer.createGroup("/parameters")
            for (key, t) in model.namedParameters { try writer.write(t, to: "/parameters/" + key) }
            try writer.setAttribute("format", .string(Self.format))
            try writer.setAttribute("format_version", .int64(Self.formatVersion))
            try writer.setAttribute("network", .string(String(decoding: try JSONEncoder().encode(model.config), as: UTF8.self)))
            try writer.setAttribute("test_accuracy", .double(testAccuracy))
            try writer.setAttribute("training", .string(training))
            try writer.commit()
        } catch {
            writer.abandon()
            throw error
        }
    }

    /// Reads and validates a classifier file.
    /// - Throws: `EvaluationError` with one line (not a classifier, another version, a bad network, a wrong shape).
    public static func read(from path: String) throws -> ClassifierCheckpoint {
        guard FileManager.default.fileExists(atPath: path) else { throw EvaluationError("no such classifier file '\(path)'") }
        let reader = try HDF5Reader(path: path)
        defer { reader.close() }
        guard case .string(Self.format)? = try? reader.attribute("format") else {
            throw EvaluationError("\(path) is not a Drift classifier (format attribute is not '\(Self.format)')")
        }
        let network: FeatureNetworkConfig
        switch try? reader.attribute("format_version") {
        case .int64(1)?:
            network = .fashionMNIST
        case .int64(Self.formatVersion)?:
            guard case .string(let json)? = try? reader.attribute("network"),
                  let decoded = try? JSONDecoder().decode(FeatureNetworkConfig.self, from: Data(json.utf8)) else {
                throw EvaluationError("\(path): missing or unreadable network attribute")
            }
            do { try decoded.validate() } catch let e as EvaluationError { throw EvaluationError("\(path): \(e.message)") }
            network = decoded
        default:
            throw EvaluationError("\(path): unsupported classifier format version")
        }
        let model = FeatureClassifier(network, key: RandomKey(seed: 0))
        var values = [String: Tensor]()
        for (key, t) in model.namedParameters { values[key] = try reader.readTensor("/parameters/" + key, shape: t.shape) }
        do { try model.loadParameters(values) } catch { throw EvaluationError("\(path): \(error)") }
        guard case .double(let accuracy) = try reader.attribute("test_accuracy"),
              case .string(let training) = try reader.attribute("training") else {
            throw EvaluationError("\(path): missing test_accuracy or training attribute")
        }
        return ClassifierCheckpoint(model: model, testAccuracy: accuracy, training: training)
    }
}
