import DriftIO
import Foundation
import TensorCore
import TensorIO

/// Reflow's training pairs (Liu, Gong & Liu 2022, "Flow straight and fast: learning to generate
/// and transfer data with rectified flow", §2.2, the k-rectified flow): noise z_i and the sample
/// x_i that a teacher's probability-flow ODE carries it to. A student trained to follow the
/// straight line from z_i to x_i (flow matching on the coupling instead of independent noise)
/// learns a flow whose paths cross less, hence straighter and cheaper to integrate.
///
/// The file (`pairs.h5`) records who made the pairs: the teacher's file and the SHA-256 of its
/// bytes, the sampler, and the teacher's network evaluations and seconds, so a student's ledger
/// can say what the pairs cost, and a pairs file from another teacher is refused. Rows
/// 0 ..< `count` are done; `target` is how many were asked for, so an interrupted generation
/// continues where it stopped (each row depends only on the seed and its index).
public struct ReflowPairs {
    /// The file format's name (the `format` attribute).
    public static let format = "drift-reflow-pairs"

    /// Standard normal noise z, [count] + sampleShape (the sampler starts from σ(t_start)·z).
    public var noise: Tensor
    /// The teacher's ODE samples from that noise, [count] + sampleShape.
    public var samples: Tensor
    /// The class each sample was drawn for (row i: class i mod K) when the teacher is
    /// class-conditional; nil otherwise. The names are `record.classNames`.
    public var labels: [Int]?
    /// Pairs asked for (rows past `count` are still to be generated).
    public var target: Int
    /// The provenance of the pairs.
    public var record: Record

    /// Who made the pairs and at what cost.
    public struct Record: Codable, Equatable, Sendable {
        /// The teacher as given on the command line, and the SHA-256 of its file's bytes.
        public var teacher: String
        public var teacherSHA256: String
        /// The teacher's ODE sampler (preset name) and its fields after overrides, as JSON.
        public var sampler: String
        public var samplerJSON: String
        /// Root of the noise and of the sampler's keys.
        public var seed: UInt64
        /// A class-conditional teacher's class names (nil: unconditional) and the classifier-free
        /// guidance weight its samples were drawn with: a student of them has that guidance baked in.
        public var classNames: [String]?
        public var guidance: Double?
        /// Network evaluations per sample (NFE) the teacher spent, and in total.
        public var nfePerSample: Int
        public var evaluations: Int
        /// Wall-clock seconds spent generating, over every session, and the CPU they ran on.
        public var seconds: Double
        public var cpu: String

        public init(teacher: String, teacherSHA256: String, sampler: String, samplerJSON: String, seed: UInt64,
                    classNames: [String]? = nil, guidance: Double? = nil,
                    nfePerSample: Int = 0, evaluations: Int = 0, seconds: Double = 0, cpu: String) {
            (self.teacher, self.teacherSHA256, self.sampler, self.samplerJSON, self.seed) = (teacher, teacherSHA256, sampler, samplerJSON, seed)
            (self.classNames, self.guidance) = (classNames, guidance)
            (self.nfePerSample, self.evaluations, self.seconds, self.cpu) = (nfePerSample, evaluations, seconds, cpu)
        }
    }

    public init(noise: Tensor, samples: Tensor, labels: [Int]? = nil, target: Int, record: Record) {
        precondition(noise.shape == samples.shape, "ReflowPairs: noise \(noise.shape) and samples \(samples.shape) differ")
        precondition(target >= noise.shape[0], "ReflowPairs: \(noise.shape[0]) rows exceed the target \(target)")
        precondition((labels == nil) == (record.classNames == nil) && (labels?.count ?? noise.shape[0]) == noise.shape[0],
                     "ReflowPairs: labels must come with class names, one per row")
        (self.noise, self.samples, self.labels, self.target, self.record) = (noise, samples, labels, target, record)
    }

    /// The first `n` pairs (the state of a generation stopped there).
    public func prefix(_ n: Int) -> ReflowPairs {
        ReflowPairs(noise: noise.rows(0..<n), samples: samples.rows(0..<n), labels: labels.map { Array($0[..<n]) }, target: target, record: record)
    }

    /// Pairs done.
    public var count: Int { noise.shape[0] }
    /// Shape of one sample.
    public var sampleShape: [Int] { Array(noise.shape.dropFirst()) }
    /// Whether every pair asked for is there.
    public var isComplete: Bool { count == target }

    /// Writes the pairs atomically (a crash leaves the previous file intact).
    public func write(to file: String) throws {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys]
        let json = String(decoding: try encoder.encode(record), as: UTF8.self)
        try HDF5Writer.write(to: file) { w in
            try w.setAttribute("format", .string(Self.format))
            try w.setAttribute("record", .string(json))
            try w.setAttribute("target", .int64(Int64(target)))
            try w.write([Int64](sampleShape.map(Int64.init)), to: "/sample_shape")
            try w.write(noise, to: "/noise")
            try w.write(samples, to: "/samples")
            if let labels { try w.write(labels.map(Int64.init), to: "/labels") }
        }
    }

    /// The shape of one sample and the provenance, without reading the pairs.
    public static func header(of file: String) throws -> (sampleShape: [Int], record: Record, count: Int, target: Int) {
        let reader = try open(file)
        defer { reader.close() }
        return try header(reader, file: file)
    }

    /// Reads and checks a pairs file.
    /// - Throws: `DataError.unreadable` (one line) for a missing, damaged or foreign file.
    public static func read(from file: String) throws -> ReflowPairs {
        let reader = try open(file)
        defer { reader.close() }
        let h = try header(reader, file: file)
        do {
            let shape = [h.count] + h.sampleShape
            let noise = try reader.readTensor("/noise", shape: shape), samples = try reader.readTensor("/samples", shape: shape)
            var labels: [Int]?
            if let names = h.record.classNames {
                let l = try reader.read("/labels", as: Int64.self, shape: [h.count]).values.map(Int.init)
                guard l.allSatisfy({ (0..<names.count).contains($0) }) else { throw DataError.unreadable("\(file): a label is outside the \(names.count) classes") }
                labels = l
            }
            return ReflowPairs(noise: noise, samples: samples, labels: labels, target: h.target, record: h.record)
        } catch let error as DriftIOError {
            throw DataError.unreadable("\(file): \(error)")
        }
    }

    private static func open(_ file: String) throws -> HDF5Reader {
        guard FileManager.default.fileExists(atPath: file) else { throw DataError.unreadable("no such pairs file '\(file)'") }
        do { return try HDF5Reader(path: file, checksums: .required) } catch {
            throw DataError.unreadable("\(file): \(error)")
        }
    }

    private static func header(_ reader: HDF5Reader, file: String) throws -> (sampleShape: [Int], record: Record, count: Int, target: Int) {
        func fail(_ why: String) -> DataError { .unreadable("\(file): \(why)") }
        guard (try? reader.string("format")) == format else {
            throw fail("not a reflow pairs file (expected format '\(format)', written by drift distill --method reflow)")
        }
        do {
            let record = try JSONDecoder().decode(Record.self, from: Data(try reader.string("record").utf8))
            let shape = try reader.read("/sample_shape", as: Int64.self).values.map(Int.init)
            let info = try reader.info("/noise")
            guard shape.allSatisfy({ $0 >= 1 }), info.shape.count == shape.count + 1, Array(info.shape.dropFirst()) == shape else {
                throw fail("the noise has shape \(info.shape), not [N] + \(shape)")
            }
            let target = Int(try reader.int64("target"))
            guard target >= info.shape[0] else { throw fail("holds \(info.shape[0]) pairs, more than its target \(target)") }
            return (shape, record, info.shape[0], target)
        } catch let error as DataError { throw error } catch {
            throw fail("damaged header: \(error)")
        }
    }
}

/// An example source whose examples come with a coupled partner: row i's noise is given, not
/// drawn (reflow's pairs).
public protocol CoupledExampleSource: ExampleSource {
    /// The noise partner of each example at positions `position ..< position + count`
    /// (the same rows `examples(at:count:key:)` returns).
    func partners(at position: Int, count: Int, key: RandomKey) -> Tensor
}

/// Reflow pairs visited epoch by epoch in a fresh random order: examples are the teacher's
/// samples, partners their noise.
public final class PairSource: CoupledExampleSource {
    private let order: ShuffledExamples
    private let noise: ExampleSet

    public init(_ pairs: ReflowPairs) {
        order = ShuffledExamples(ExampleSet(values: pairs.samples, labels: pairs.labels, classNames: pairs.record.classNames))
        noise = ExampleSet(values: pairs.noise)
    }

    public var sampleShape: [Int] { order.sampleShape }
    public var classNames: [String]? { order.classNames }
    public func labels(at position: Int, count: Int, key: RandomKey) -> [Int]? { order.labels(at: position, count: count, key: key) }
    public func examples(at position: Int, count: Int, key: RandomKey) -> Tensor { order.examples(at: position, count: count, key: key) }
    public func partners(at position: Int, count: Int, key: RandomKey) -> Tensor {
        noise.gather(order.indices(at: position, count: count, key: key))
    }
}
