import DriftIO
import Foundation
import Generative

/// Which data to train on: the `--data` flag, decoded once at the edge.
///
/// String forms: `fashion-mnist` (or `fashion-mnist:test`), `toy:NAME`
/// (moons, 8gaussians, checkerboard, spirals, rings), `gmm:FILE.json` (samples
/// of an analytic Gaussian mixture; the spec is embedded so a resume does not
/// need the file), `folder:PATH` (PNG images, resized and centre-cropped), `pairs:FILE.h5`
/// (reflow's noise–sample pairs, written by `drift distill`: the samples are the examples and
/// each one's noise its coupled partner).
public enum DataSpec: Equatable, Sendable {
    case fashionMNIST(split: DataSplit)
    case toy(ToyDistribution)
    case gmm(spec: GaussianMixtureSpec, file: String)
    case folder(path: String, imageSize: Int, color: ImageColor)
    case pairs(file: String, sampleShape: [Int])

    /// Parses `--data`; `imageSize`/`color` apply to `folder:` only.
    public static func parse(_ text: String, imageSize: Int = 32, color: ImageColor = .rgb) throws -> DataSpec {
        let (head, rest): (String, String?) = {
            guard let colon = text.firstIndex(of: ":") else { return (text, nil) }
            return (String(text[..<colon]), String(text[text.index(after: colon)...]))
        }()
        switch head.lowercased() {
        case "fashion-mnist", "fashion_mnist", "fashionmnist":
            switch rest?.lowercased() {
            case nil, "train": return .fashionMNIST(split: .train)
            case "test": return .fashionMNIST(split: .test)
            case let other?: throw DataError.invalidSetting("unknown Fashion-MNIST split '\(other)': use fashion-mnist or fashion-mnist:test")
            }
        case "toy":
            let names = ToyDistribution.allCases.map(\.rawValue).joined(separator: ", ")
            guard let name = rest, let toy = ToyDistribution(name: name) else {
                throw DataError.invalidSetting("unknown toy '\(rest ?? "")': use toy:NAME with NAME one of \(names)")
            }
            return .toy(toy)
        case "gmm":
            guard let file = rest, !file.isEmpty else { throw DataError.invalidSetting("gmm needs a spec file: --data gmm:FILE.json") }
            do {
                return .gmm(spec: try GaussianMixtureSpec.load(from: URL(fileURLWithPath: file)), file: file)
            } catch let error as GenerativeError {
                throw DataError.unreadable("\(file): \(error.message)")
            } catch {
                throw DataError.unreadable("\(file): \(error.localizedDescription)")
            }
        case "pairs":
            guard let file = rest, !file.isEmpty else { throw DataError.invalidSetting("pairs needs a file: --data pairs:FILE.h5 (written by drift distill)") }
            return .pairs(file: file, sampleShape: try ReflowPairs.header(of: file).sampleShape)
        case "folder":
            guard let path = rest, !path.isEmpty else { throw DataError.invalidSetting("folder needs a path: --data folder:PATH") }
            guard imageSize >= 4 else { throw DataError.invalidSetting("--image-size must be at least 4, got \(imageSize)") }
            return .folder(path: path, imageSize: imageSize, color: color)
        default:
            throw DataError.invalidSetting("unknown data '\(text)': use fashion-mnist, toy:NAME, gmm:FILE.json, folder:PATH or pairs:FILE.h5")
        }
    }

    /// The `--data` string this spec came from.
    public var name: String {
        switch self {
        case .fashionMNIST(let split): return split == .train ? "fashion-mnist" : "fashion-mnist:test"
        case .toy(let t): return "toy:" + t.rawValue
        case .gmm(_, let file): return "gmm:" + file
        case .folder(let path, _, _): return "folder:" + path
        case .pairs(let file, _): return "pairs:" + file
        }
    }

    /// Shape of one example, known without loading the data.
    public var sampleShape: [Int] {
        switch self {
        case .fashionMNIST: return [1, 28, 28]
        case .toy: return [2]
        case .gmm(let spec, _): return [spec.dimension]
        case .folder(_, let size, let color): return [color.channels, size, size]
        case .pairs(_, let shape): return shape
        }
    }

    /// Whether examples are images (for sample grids and flips) rather than points.
    public var isImage: Bool { sampleShape.count == 3 }
}

extension DataSpec {
    /// The class names of the data (label = index), known without loading the examples; nil when
    /// the data have no labels (a folder of PNGs without class sub-folders).
    public func classNames() throws -> [String]? {
        switch self {
        case .fashionMNIST: return FashionMNIST.classNames
        case .toy(let toy): return toy.classNames
        case .gmm(let spec, _): return (0..<spec.weights.count).map(String.init)
        case .folder(let path, _, _): return try ImageFolder.listing(path).classNames
        case .pairs(let file, _): return try ReflowPairs.header(of: file).record.classNames
        }
    }
}

/// Grey-scale or colour images.
public enum ImageColor: String, Codable, CaseIterable, Sendable {
    case gray, rgb
    public var channels: Int { self == .gray ? 1 : 3 }
}

extension DataSpec: Codable {
    private enum CodingKeys: String, CodingKey { case source, split, toy, spec, file, path, imageSize, color, sampleShape }
    private enum Source: String, Codable { case fashionMNIST = "fashion-mnist", toy, gmm, folder, pairs }

    public init(from decoder: Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        switch try c.decode(Source.self, forKey: .source) {
        case .fashionMNIST: self = .fashionMNIST(split: try c.decode(DataSplit.self, forKey: .split))
        case .toy: self = .toy(try c.decode(ToyDistribution.self, forKey: .toy))
        case .gmm: self = .gmm(spec: try c.decode(GaussianMixtureSpec.self, forKey: .spec), file: try c.decode(String.self, forKey: .file))
        case .folder:
            self = .folder(path: try c.decode(String.self, forKey: .path), imageSize: try c.decode(Int.self, forKey: .imageSize),
                           color: try c.decode(ImageColor.self, forKey: .color))
        case .pairs: self = .pairs(file: try c.decode(String.self, forKey: .file), sampleShape: try c.decode([Int].self, forKey: .sampleShape))
        }
    }

    public func encode(to encoder: Encoder) throws {
        var c = encoder.container(keyedBy: CodingKeys.self)
        switch self {
        case .fashionMNIST(let split):
            try c.encode(Source.fashionMNIST, forKey: .source)
            try c.encode(split, forKey: .split)
        case .toy(let t):
            try c.encode(Source.toy, forKey: .source)
            try c.encode(t, forKey: .toy)
        case .gmm(let spec, let file):
            try c.encode(Source.gmm, forKey: .source)
            try c.encode(spec, forKey: .spec)
            try c.encode(file, forKey: .file)
        case .folder(let path, let size, let color):
            try c.encode(Source.folder, forKey: .source)
            try c.encode(path, forKey: .path)
            try c.encode(size, forKey: .imageSize)
            try c.encode(color, forKey: .color)
        case .pairs(let file, let shape):
            try c.encode(Source.pairs, forKey: .source)
            try c.encode(file, forKey: .file)
            try c.encode(shape, forKey: .sampleShape)
        }
    }
}
