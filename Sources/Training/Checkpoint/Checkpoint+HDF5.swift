import DriftIO
import Foundation
import Generative
import NN
import TensorCore
import TensorIO

extension Checkpoint {
    /// Writes the checkpoint atomically to `file` (temporary file in the same
    /// folder, fsync, rename): a crash at any moment leaves the previous file intact.
    public func write(to file: String) throws {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys]
        func json<T: Encodable>(_ value: T) throws -> String { String(decoding: try encoder.encode(value), as: UTF8.self) }
        try HDF5Writer.write(to: file) { w in
            try w.setAttribute("format", .string(Self.format))
            try w.setAttribute("format_version", .int64(Self.formatVersion))
            try w.setAttribute("model", .string(try json(model)))
            try w.setAttribute("path", .string(try json(path)))
            try w.setAttribute("parametrization", .string(parametrization.rawValue))
            if let p = preconditioning { try w.setAttribute("preconditioning", .string(try json(p))) }
            let record = TrainingRecord(objective: training.objective.kind, step: step, seed: training.seed,
                                        data: training.data.name, elapsedSeconds: elapsedSeconds,
                                        threads: threads, worldSize: worldSize, config: training)
            try w.setAttribute("training", .string(try json(record)))
            try w.setAttribute("parameter_count", .int64(Int64(parameterCount)))
            if let profile = snapshotProfile { try w.setAttribute("ema_profile", .string(try json(profile))) }
            if let length = emaLength { try w.setAttribute("ema_length", .double(length)) }
            if isEMAOnly {
                try w.setAttribute("contents", .string(Self.emaOnlyContents))
            } else {
                for (key, t) in parameters.sorted(by: { $0.key < $1.key }) { try w.write(t, to: "/parameters/" + key) }
            }
            for (key, t) in ema.sorted(by: { $0.key < $1.key }) { try w.write(t, to: "/ema/" + key) }
            if let optimizer, !isEMAOnly {
                try w.write([Int64(optimizer.step)], shape: [], to: "/optimizer/step")
                for (slot, byKey) in optimizer.slots.sorted(by: { $0.key < $1.key }) {
                    for (key, t) in byKey.sorted(by: { $0.key < $1.key }) { try w.write(t, to: "/optimizer/\(slot)/\(key)") }
                }
            }
            if !isEMAOnly {
                for (i, averages) in profileAverages.enumerated() {
                    for (key, t) in averages.sorted(by: { $0.key < $1.key }) { try w.write(t, to: "/posthoc_ema/\(i)/\(key)") }
                }
                for (key, t) in (consistencyTarget ?? [:]).sorted(by: { $0.key < $1.key }) { try w.write(t, to: "/consistency_target/" + key) }
            }
            try w.write([Int64(rootKey.k0), Int64(rootKey.k1)], to: "/rng/key")
            try w.write([Int64(step)], shape: [], to: "/rng/step")
            try w.write([Int64(dataPosition)], shape: [], to: "/rng/data_position")
        }
    }

    /// Reads and validates a checkpoint: format, version, every checksum, the
    /// configuration, and every tensor's shape against the model the
    /// configuration describes. With `includeOptimizer` false the optimizer state
    /// is not read (sampling needs only the weights).
    /// - Throws: `TrainingError.checkpoint` or `DriftIOError`, one line each.
    /// The `contents` attribute of an EMA-only export.
    static let emaOnlyContents = "ema"

    public static func read(from file: String, includeOptimizer: Bool = true) throws -> Checkpoint {
        let reader = try HDF5Reader(path: file, checksums: .required)
        defer { reader.close() }
        func fail(_ reason: String) -> TrainingError { .checkpoint(path: file, reason: reason) }

        guard (try? reader.attributeNames())?.contains("format") == true else {
            throw fail("not a Drift checkpoint (no 'format' attribute); expected a file written by drift train")
        }
        let format = try reader.string("format")
        guard format == Self.format else { throw fail("not a Drift checkpoint (format is '\(format)', expected '\(Self.format)')") }
        let version = try reader.int64("format_version")
        guard version <= Self.formatVersion else {
            throw fail("written by a newer Drift (format version \(version)); this Drift reads version \(Self.formatVersion): update Drift")
        }
        guard version >= 1 else { throw fail("invalid format version \(version)") }

        let record: TrainingRecord
        do {
            record = try JSONDecoder().decode(TrainingRecord.self, from: Data(try reader.string("training").utf8))
        } catch let error as DriftIOError { throw error } catch {
            throw fail("the 'training' attribute is not valid: \(Self.describe(error))")
        }
        let config = record.config
        // The stand-alone attributes must agree with the full config (they are what other tools read).
        let model = try decodeAttribute(ModelConfig.self, "model", reader, fail)
        guard model == config.model else { throw fail("the 'model' attribute disagrees with the training config") }
        let path = try decodeAttribute(GaussianPath.self, "path", reader, fail)
        guard path == config.path else { throw fail("the 'path' attribute disagrees with the training config") }
        let parametrization = try reader.string("parametrization")
        guard parametrization == config.objective.kind.parametrization.rawValue else {
            throw fail("parametrization '\(parametrization)' does not match objective \(config.objective.kind.rawValue)")
        }
        do { try model.validate() } catch { throw fail("\(error)") }

        // Expected shapes from the model the config describes.
        let network: any Network
        do { network = try model.build(key: RandomKey(seed: 0)) } catch { throw fail("\(error)") }
        let shapes = network.namedParameters.map { ($0.key, $0.tensor.shape) }
        let emaOnly: Bool
        if (try reader.attributeNames()).contains("contents") {
            let contents = try reader.string("contents")
            guard contents == Self.emaOnlyContents else {
                throw fail("unknown contents '\(contents)' (expected '\(Self.emaOnlyContents)' or no such attribute)")
            }
            emaOnly = true
        } else {
            emaOnly = false
        }
        let ema = try readTensors(under: "/ema", shapes: shapes, reader, fail)
        let parameters = emaOnly ? ema : try readTensors(under: "/parameters", shapes: shapes, reader, fail)

        var optimizer: OptimizerState?
        if includeOptimizer && !emaOnly {
            let step = try scalar("/optimizer/step", reader, fail)
            var slots: [String: [String: Tensor]] = [:]
            if step > 0 {
                for slot in config.optimizerChoice.slots {
                    slots[slot] = try readTensors(under: "/optimizer/" + slot, shapes: shapes, reader, fail)
                }
            }
            optimizer = OptimizerState(step: step, slots: slots)
        }
        let key = try reader.read("/rng/key", as: Int64.self, shape: [2]).values
        let rootKey = RandomKey(seed: config.seed)
        guard key == [Int64(rootKey.k0), Int64(rootKey.k1)] else {
            throw fail("/rng/key does not match the seed \(config.seed) of the training config; the file is inconsistent")
        }
        var profileAverages: [[String: Tensor]] = []
        if !emaOnly, let settings = config.posthocEMA {
            for i in settings.sigmaRels.indices {
                profileAverages.append(try readTensors(under: "/posthoc_ema/\(i)", shapes: shapes, reader, fail))
            }
        }
        var consistencyTarget: [String: Tensor]?
        if !emaOnly, includeOptimizer, config.objective.kind == .consistency {
            consistencyTarget = try readTensors(under: "/consistency_target", shapes: shapes, reader, fail)
        }
        let attributes = try reader.attributeNames()
        var snapshotProfile: PowerProfile?
        if attributes.contains("ema_profile") {
            snapshotProfile = try decodeAttribute(PowerProfile.self, "ema_profile", reader, fail)
        }
        let emaLength = attributes.contains("ema_length") ? try reader.double("ema_length") : nil
        let step = try scalar("/rng/step", reader, fail)
        let position = try scalar("/rng/data_position", reader, fail)
        guard step == record.step else { throw fail("/rng/step (\(step)) disagrees with the training attribute (\(record.step))") }
        var checkpoint = Checkpoint(training: config, step: step, dataPosition: position,
                          rootKey: rootKey,
                          parameters: parameters, ema: ema, optimizer: optimizer,
                          elapsedSeconds: record.elapsedSeconds ?? 0, origin: file)
        checkpoint.threads = record.threads
        checkpoint.worldSize = record.worldSize
        checkpoint.isEMAOnly = emaOnly
        checkpoint.profileAverages = profileAverages
        checkpoint.consistencyTarget = consistencyTarget
        checkpoint.snapshotProfile = snapshotProfile
        checkpoint.emaLength = emaLength
        return checkpoint
    }

    private static func decodeAttribute<T: Decodable>(_ type: T.Type, _ name: String, _ reader: HDF5Reader,
                                                      _ fail: (String) -> TrainingError) throws -> T {
        let text = try reader.string(name)
        do { return try JSONDecoder().decode(T.self, from: Data(text.utf8)) } catch {
            throw fail("the '\(name)' attribute is not valid: \(describe(error))")
        }
    }

    /// Reads exactly the tensors `shapes` names under `group`: none missing, none extra, each of its shape.
    private static func readTensors(under group: String, shapes: [(String, [Int])], _ reader: HDF5Reader,
                                    _ fail: (String) -> TrainingError) throws -> [String: Tensor] {
        guard reader.contains(group) else { throw fail("\(group) is missing; the file is incomplete") }
        let present = Set(try reader.datasets(under: group))
        var out: [String: Tensor] = [:]
        for (key, shape) in shapes {
            let name = group + "/" + key
            guard present.contains(name) else { throw fail("\(name) is missing; the file was made for a different model configuration") }
            let info = try reader.info(name)
            guard info.shape == shape else {
                throw fail("\(name) has shape \(info.shape) but the model configuration expects \(shape)")
            }
            out[key] = try reader.readTensor(name, shape: shape)
        }
        if let extra = present.subtracting(shapes.map { group + "/" + $0.0 }).sorted().first {
            throw fail("\(extra) is not a parameter of the configured model; the file does not match its configuration")
        }
        return out
    }

    private static func scalar(_ name: String, _ reader: HDF5Reader, _ fail: (String) -> TrainingError) throws -> Int {
        guard reader.contains(name) else { throw fail("\(name) is missing; the file is incomplete") }
        let a = try reader.read(name, as: Int64.self)
        guard a.values.count == 1, a.values[0] >= 0 else { throw fail("\(name) must hold one non-negative integer") }
        return Int(a.values[0])
    }

    /// A decoding error as one line.
    static func describe(_ error: Error) -> String {
        switch error {
        case DecodingError.keyNotFound(let key, let c):
            return "missing field '\((c.codingPath + [key]).map(\.stringValue).joined(separator: "."))'"
        case DecodingError.typeMismatch(_, let c), DecodingError.valueNotFound(_, let c), DecodingError.dataCorrupted(let c):
            let at = c.codingPath.map(\.stringValue).joined(separator: ".")
            return (at.isEmpty ? "" : "field '\(at)': ") + c.debugDescription
        default:
            return "\(error)"
        }
    }
}
