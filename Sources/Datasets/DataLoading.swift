import DriftIO
import Foundation
import Generative
import TensorCore

/// An endless stream of exact samples of an analytic Gaussian mixture (flattened to [D]).
public struct MixtureSource: ExampleSource {
    public let mixture: GaussianMixture
    public init(_ mixture: GaussianMixture) { self.mixture = mixture }
    public var sampleShape: [Int] { [mixture.dimension] }
    public func examples(at position: Int, count: Int, key: RandomKey) -> Tensor {
        mixture.sample(count, key: key, firstSample: position).reshaped([count, mixture.dimension])
    }
    /// Classes are the mixture's components.
    public var classNames: [String]? { mixture.classNames }
    public func labels(at position: Int, count: Int, key: RandomKey) -> [Int]? {
        mixture.sampleComponents(count, key: key, firstSample: position)
    }
}

extension DataSpec {
    /// Loads (or sets up the generator of) the training examples.
    /// - Parameter flip: random horizontal flips (image data only).
    /// - Throws: `DriftIOError` / `DataError` with one line (missing dataset
    ///   package, damaged file, empty folder…).
    public func makeSource(flip: Bool = false) throws -> ExampleSource {
        switch self {
        case .toy(let toy):
            return ToySource(toy)
        case .gmm(let spec, let file):
            do { return MixtureSource(try GaussianMixture(spec: spec)) } catch {
                throw DataError.unreadable("\(file): \(error)")
            }
        case .fashionMNIST(let split):
            return ShuffledExamples(try ExampleSet.fashionMNIST(split), flip: flip)
        case .folder(let path, let size, let color):
            return ShuffledExamples(try ImageFolder.load(path, imageSize: size, color: color), flip: flip)
        case .pairs(let file, let shape):
            let pairs = try ReflowPairs.read(from: file)
            guard pairs.isComplete else {
                throw DataError.unreadable("\(file) holds \(pairs.count) of its \(pairs.target) pairs: finish them with drift distill --resume")
            }
            guard pairs.sampleShape == shape else {
                throw DataError.wrongShape("\(file) now holds samples of shape \(pairs.sampleShape), not the \(shape) this run was started with")
            }
            return PairSource(pairs)
        }
    }
}
