import Foundation

/// JSON description of an analytic Gaussian mixture (diagonal components) under a path:
///
///     {"name": "ring8", "weights": [0.3, 0.7], "means": [[-2, 0], [2, 1]],
///      "stds": [[0.5, 0.5], [0.3, 0.8]], "path": "rectified", "parametrization": "velocity"}
///
/// - `weights` [K], ≥ 0, summing to 1 ± 1e-6.
/// - `means` [K][D]; `stds` [K][D] per-dimension standard deviations (> 0), or [K] numbers
///   for isotropic components.
/// - `path`: a kind name (`"vp"`) or an object with parameters (`{"kind": "ve", "sigmaMax": 80}`).
/// - `parametrization` (optional, default `score`): what `evaluate` returns.
/// - `shape` (optional, default [D]): the sample shape, e.g. [1, 4, 4] for D = 16.
/// - `name` (optional).
public struct GaussianMixtureSpec: Codable, Equatable, Sendable {
    public var name: String?
    public var weights: [Double]
    public var means: [[Double]]
    public var stds: [[Double]]
    public var path: GaussianPath
    public var parametrization: Parametrization?
    public var shape: [Int]?

    public init(name: String? = nil, weights: [Double], means: [[Double]], stds: [[Double]],
                path: GaussianPath, parametrization: Parametrization? = nil, shape: [Int]? = nil) {
        self.name = name
        self.weights = weights
        self.means = means
        self.stds = stds
        self.path = path
        self.parametrization = parametrization
        self.shape = shape
    }

    enum CodingKeys: String, CodingKey { case name, weights, means, stds, path, parametrization, shape }

    /// One std entry: a number (isotropic) or a per-dimension list.
    private enum StdEntry: Decodable {
        case scalar(Double), perDimension([Double])
        init(from decoder: Decoder) throws {
            let c = try decoder.singleValueContainer()
            if let s = try? c.decode(Double.self) { self = .scalar(s) } else { self = .perDimension(try c.decode([Double].self)) }
        }
    }

    public init(from decoder: Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        name = try c.decodeIfPresent(String.self, forKey: .name)
        weights = try c.decode([Double].self, forKey: .weights)
        means = try c.decode([[Double]].self, forKey: .means)
        let dim = means.first?.count ?? 0
        stds = try c.decode([StdEntry].self, forKey: .stds).map {
            switch $0 {
            case .scalar(let s): return Array(repeating: s, count: dim)
            case .perDimension(let s): return s
            }
        }
        guard c.contains(.path) else {
            let valid = PathKind.allCases.map(\.rawValue).joined(separator: ", ")
            throw GenerativeError("missing field 'path': give one of \(valid) (or an object with \"kind\")")
        }
        path = try c.decode(GaussianPath.self, forKey: .path)
        if let p = try c.decodeIfPresent(String.self, forKey: .parametrization) {
            guard let value = Parametrization(rawValue: p) else {
                let valid = Parametrization.allCases.map(\.rawValue).joined(separator: ", ")
                throw GenerativeError("unknown parametrization '\(p)': use one of \(valid)")
            }
            parametrization = value
        }
        shape = try c.decodeIfPresent([Int].self, forKey: .shape)
        try validate()
    }

    /// Number of components K.
    public var componentCount: Int { weights.count }
    /// Dimension D of one sample.
    public var dimension: Int { means.first?.count ?? 0 }

    /// Checks every field, throwing one message that names the offending field.
    public func validate() throws {
        func fail(_ message: String) -> GenerativeError { GenerativeError("gaussian mixture: \(message)") }
        let k = weights.count
        guard k > 0 else { throw fail("'weights' is empty: give at least one component") }
        for (i, w) in weights.enumerated() where !(w.isFinite && w >= 0) {
            throw fail("'weights[\(i)]' = \(w) must be a finite number ≥ 0")
        }
        let total = weights.reduce(0, +)
        guard abs(total - 1) <= 1e-6 else {
            throw fail("'weights' sum to \(String(format: "%.9g", total)), not 1 (±1e-6): normalize them")
        }
        guard means.count == k else {
            throw fail("'means' has \(means.count) components but 'weights' has \(k)")
        }
        guard stds.count == k else {
            throw fail("'stds' has \(stds.count) components but 'weights' has \(k)")
        }
        let d = dimension
        guard d > 0 else { throw fail("'means[0]' is empty: each mean needs at least one coordinate") }
        for i in 0..<k {
            guard means[i].count == d else {
                throw fail("dimension mismatch: 'means[\(i)]' has \(means[i].count) coordinates, 'means[0]' has \(d)")
            }
            guard stds[i].count == d else {
                throw fail("dimension mismatch: 'stds[\(i)]' has \(stds[i].count) entries, the means have \(d)")
            }
            if let j = means[i].firstIndex(where: { !$0.isFinite }) {
                throw fail("'means[\(i)][\(j)]' is not a finite number")
            }
            if let j = stds[i].firstIndex(where: { !($0.isFinite && $0 > 0) }) {
                throw fail("'stds[\(i)][\(j)]' = \(stds[i][j]) must be a positive finite number (a negative or zero std is not a Gaussian)")
            }
        }
        if let shape {
            guard shape.allSatisfy({ $0 > 0 }), shape.reduce(1, *) == d else {
                throw fail("'shape' \(shape) does not hold \(d) values (the dimension of the means)")
            }
        }
        try path.validate()
    }

    /// Reads and validates a spec from a JSON file; errors name the file and the field.
    public static func load(from url: URL) throws -> GaussianMixtureSpec {
        let data: Data
        do { data = try Data(contentsOf: url) } catch {
            throw GenerativeError("cannot read gaussian mixture spec \(url.path): \(error.localizedDescription)")
        }
        do {
            return try JSONDecoder().decode(GaussianMixtureSpec.self, from: data)
        } catch let error as GenerativeError {
            throw GenerativeError("\(url.lastPathComponent): \(error.message)")
        } catch let error as DecodingError {
            throw GenerativeError("\(url.lastPathComponent): \(describe(error))")
        }
    }
}

/// One line for a JSON decoding error, naming the field.
func describe(_ error: DecodingError) -> String {
    func field(_ path: [CodingKey]) -> String {
        path.map { $0.intValue.map { "[\($0)]" } ?? ".\($0.stringValue)" }.joined().trimmingCharacters(in: ["."])
    }
    switch error {
    case .keyNotFound(let key, let ctx):
        let parent = field(ctx.codingPath)
        return "missing field '\(parent.isEmpty ? key.stringValue : parent + "." + key.stringValue)'"
    case .typeMismatch(let type, let ctx), .valueNotFound(let type, let ctx):
        return "field '\(field(ctx.codingPath))' has the wrong type (expected \(type))"
    case .dataCorrupted(let ctx):
        let f = field(ctx.codingPath)
        let what = (ctx.underlyingError as NSError?)?.userInfo[NSDebugDescriptionErrorKey] as? String ?? ctx.debugDescription
        return f.isEmpty ? "not valid JSON (\(what))" : "field '\(f)': \(what)"
    @unknown default:
        return "\(error)"
    }
}
