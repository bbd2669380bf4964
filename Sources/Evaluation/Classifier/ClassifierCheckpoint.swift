import DriftIO
import Foundation
import TensorCore
import TensorIO

/// A trained `FeatureClassifier` in HDF5 (written atomically, CRC32 per dataset, like model checkpoints):
///
///     /                  attrs: format = "drift-classifier", format_version = 1,
///                               test_accuracy (Double), training (JSON: epochs, batch, lr, seed, data)
///     /parameters/<key>  float32, one dataset per tensor (conv1.weight, …, head.bias)
public struct ClassifierCheckpoint {
    public static let format = "drift-classifier"
    public static let formatVersion: Int64 = 1

    public var model: FeatureClassifier
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
            try writer.setAttribute("test_accuracy", .double(testAccuracy))
            try writer.setAttribute("training", .string(training))
            try writer.commit()
        } catch {
            writer.abandon()
            throw error
        }
    }

    /// Reads and validates a classifier file.
    /// - Throws: `EvaluationError` with one line (not a classifier, another version, a wrong shape).
    public static func read(from path: String) throws -> ClassifierCheckpoint {
        guard FileManager.default.fileExists(atPath: path) else { throw EvaluationError("no such classifier file '\(path)'") }
        let reader = try HDF5Reader(path: path)
        defer { reader.close() }
        guard case .string(Self.format)? = try? reader.attribute("format") else {
            throw EvaluationError("\(path) is not a Drift classifier (format attribute is not '\(Self.format)')")
        }
        guard case .int64(Self.formatVersion)? = try? reader.attribute("format_version") else {
            throw EvaluationError("\(path): unsupported classifier format version")
        }
        let model = FeatureClassifier(key: RandomKey(seed: 0))
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
