import Foundation
import TensorCore

/// Two-dimensional toy distributions generated in code, each scaled to lie
/// roughly in [−2.5, 2.5]² so that N(0, I) is a sensible noise distribution.
///
/// Sample i of a stream is a pure function of (key, i): it is drawn from the
/// uniforms of `Tensor.randomUniform(key: key.fold("u"))` and the normals of
/// `Tensor.randomNormal(key: key.fold("n"))` at row i, so a batch starting at
/// any position is reproducible whatever the batch size (the data position
/// saved in a checkpoint is enough to continue the stream exactly).
public enum ToyDistribution: String, Codable, CaseIterable, Sendable {
    /// Two interleaved half circles (as scikit-learn's `make_moons`), centred, ×1.5, noise σ 0.1.
    case moons
    /// Eight Gaussians of std 0.1 centred at 2·(cos, sin)(2πk/8) (the reference benchmark's data).
    case eightGaussians = "8gaussians"
    /// Uniform on the 8 dark squares of a 4×4 checkerboard covering [−2, 2]².
    case checkerboard
    /// Two interleaved Archimedean spirals (1.5 turns, radius up to 2.2), noise σ 0.05.
    case spirals
    /// Four concentric circles of radius 0.5, 1, 1.5, 2 (mass ∝ radius, uniform along each), noise σ 0.04.
    case rings

    /// Accepted spellings on the command line (`8gaussians`, `8-gaussians`, `eight-gaussians`).
    public init?(name: String) {
        switch name.lowercased() {
        case "moons": self = .moons
        case "8gaussians", "8-gaussians", "eight-gaussians", "8gauss": self = .eightGaussians
        case "checkerboard": self = .checkerboard
        case "spirals", "2spirals": self = .spirals
        case "rings", "circles": self = .rings
        default: return nil
        }
    }

    /// Samples `count` points [count, 2], rows keyed by (key, firstSample + i).
    public func sample(_ count: Int, key: RandomKey, firstSample: Int = 0) -> Tensor {
        let u = Tensor.randomUniform([count, 4], key: key.fold("u"), firstSample: firstSample).scalars
        let n = Tensor.randomNormal([count, 2], key: key.fold("n"), firstSample: firstSample).scalars
        var out = [Float](repeating: 0, count: count * 2)
        for i in 0..<count {
            let (x, y) = point(u: (Double(u[4 * i]), Double(u[4 * i + 1]), Double(u[4 * i + 2]), Double(u[4 * i + 3])),
                               n: (Double(n[2 * i]), Double(n[2 * i + 1])))
            out[2 * i] = Float(x)
            out[2 * i + 1] = Float(y)
        }
        return Tensor(out, shape: [count, 2])
    }

    /// The natural classes of each toy (the part a point comes from): moons their two half
    /// circles, 8 Gaussians their components (counter-clockwise from angle 0), the checkerboard its
    /// 8 dark squares (row-major from the bottom left), spirals their two arms, rings their 4 circles
    /// (inner to outer).
    public var classNames: [String] {
        switch self {
        case .moons: return ["upper", "lower"]
        case .eightGaussians: return (0..<8).map { "\($0 * 45)deg" }
        case .checkerboard: return (0..<8).map { "square\($0)" }
        case .spirals: return ["arm0", "arm1"]
        case .rings: return ["r0.5", "r1", "r1.5", "r2"]
        }
    }

    /// The class of each point `sample(count, key:firstSample:)` draws (from the same first uniform).
    public func labels(_ count: Int, key: RandomKey, firstSample: Int = 0) -> [Int] {
        let u = Tensor.randomUniform([count, 4], key: key.fold("u"), firstSample: firstSample).scalars
        return (0..<count).map { label(u0: Double(u[4 * $0])) }
    }

    /// The class a point with first uniform u0 belongs to (`point` picks its part from u0 alone).
    func label(u0: Double) -> Int {
        switch self {
        case .moons, .spirals: return u0 < 0.5 ? 0 : 1
        case .eightGaussians, .checkerboard: return min(7, Int(8 * u0))
        case .rings: return u0 < 0.1 ? 0 : u0 < 0.3 ? 1 : u0 < 0.6 ? 2 : 3
        }
    }

    /// One point from four uniforms in (0, 1) and two standard normals.
    func point(u: (Double, Double, Double, Double), n: (Double, Double)) -> (Double, Double) {
        switch self {
        case .moons:
            let theta = Double.pi * u.1
            let (x, y) = u.0 < 0.5 ? (cos(theta), sin(theta)) : (1 - cos(theta), 0.5 - sin(theta))
            return (1.5 * (x - 0.5) + 0.1 * n.0, 1.5 * (y - 0.25) + 0.1 * n.1)
        case .eightGaussians:
            let k = Double(min(7, Int(8 * u.0)))
            let a = 2 * Double.pi * k / 8
            return (2 * cos(a) + 0.1 * n.0, 2 * sin(a) + 0.1 * n.1)
        case .checkerboard:
            let s = min(7, Int(8 * u.0))
            let row = s / 2
            let col = 2 * (s % 2) + row % 2
            return (-2 + Double(col) + u.1, -2 + Double(row) + u.2)
        case .spirals:
            let s = u.1.squareRoot()                 // uniform along the arc (length ∝ radius)
            let theta = 0.5 * Double.pi + 3 * Double.pi * s + (u.0 < 0.5 ? 0 : Double.pi)
            let r = 0.2 + 2.0 * s
            return (r * cos(theta) + 0.05 * n.0, r * sin(theta) + 0.05 * n.1)
        case .rings:
            // Radius 0.5·(k+1) with probability (k+1)/10.
            let k = u.0 < 0.1 ? 0 : u.0 < 0.3 ? 1 : u.0 < 0.6 ? 2 : 3
            let r = 0.5 * Double(k + 1)
            let a = 2 * Double.pi * u.1
            return (r * cos(a) + 0.04 * n.0, r * sin(a) + 0.04 * n.1)
        }
    }
}
