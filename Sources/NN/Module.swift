import TensorCore

/// A neural-network component that owns parameters.
///
/// Parameters are listed explicitly (no reflection) under stable dotted keys
/// such as `down0.conv1.weight`; the keys of the reference models equal
/// PyTorch's `state_dict` names, so weights exchange directly with
/// `torch_reference.py` and its HDF5 export. A module visits its own tensors
/// first, then its children in a fixed order, through `visit(_:_:_:)`.
public protocol Module: AnyObject {
    /// Calls `body` with the key (relative to this module) and the storage slot of
    /// every parameter, in a fixed order. `body` may replace the tensor.
    func visitParameters(_ body: (String, inout Tensor) -> Void)
}

extension Module {
    /// Visits `child`'s parameters with keys prefixed by `name.`.
    public func visit(_ name: String, _ child: Module, _ body: (String, inout Tensor) -> Void) {
        child.visitParameters { key, t in body(name + "." + key, &t) }
    }

    /// Visits an optional child (a layer that exists only for some shapes).
    public func visit(_ name: String, _ child: Module?, _ body: (String, inout Tensor) -> Void) {
        if let child { visit(name, child, body) }
    }

    /// All parameters as ordered (key, tensor) pairs.
    public var namedParameters: [(key: String, tensor: Tensor)] {
        var out: [(key: String, tensor: Tensor)] = []
        visitParameters { key, t in out.append((key, t)) }
        return out
    }

    /// The parameter keys, in visiting order.
    public var parameterKeys: [String] { namedParameters.map(\.key) }

    /// Total number of scalar parameters.
    public var parameterCount: Int {
        var n = 0
        visitParameters { _, t in n += t.count }
        return n
    }

    /// Replaces every parameter by `transform(key, tensor)`.
    public func updateParameters(_ transform: (String, Tensor) -> Tensor) {
        visitParameters { key, t in t = transform(key, t) }
    }

    /// Loads parameters by key. With `strict`, every parameter of the module
    /// must be present and no unknown key may appear. The new tensors are
    /// copied (the module never shares storage with the caller).
    /// - Throws: `ModuleError` naming the key (and both shapes on a mismatch);
    ///   on error no parameter is changed.
    public func loadParameters(_ values: [String: Tensor], strict: Bool = true) throws {
        try ParameterShapes(self).validate(values, strict: strict)
        visitParameters { key, t in if let v = values[key] { t = v.detached.copy() } }
    }

    /// Replaces one parameter.
    /// - Throws: `ModuleError` if the key is unknown or the shape differs.
    public func setParameter(_ key: String, to value: Tensor) throws {
        var found = false
        var failure: ModuleError?
        visitParameters { k, t in
            guard k == key else { return }
            found = true
            if value.shape != t.shape { failure = .shapeMismatch(key: key, expected: t.shape, found: value.shape) } else { t = value.detached.copy() }
        }
        if let failure { throw failure }
        if !found { throw ModuleError.unexpectedParameter(key: key) }
    }

    /// Runs `body` with the parameters replaced by `tensors` (in visiting order, e.g. tape leaves of
    /// a functional gradient), then puts the module's own tensors back, even if `body` throws. The
    /// module is evaluated as the function f(x; θ = tensors): what an adjoint solve differentiates.
    public func withParameters<R>(_ tensors: [Tensor], _ body: () throws -> R) rethrows -> R {
        var originals: [Tensor] = []
        var i = 0
        visitParameters { key, p in
            precondition(i < tensors.count && tensors[i].shape == p.shape,
                         "withParameters: tensor \(i) does not fit parameter '\(key)' \(p.shape)")
            originals.append(p)
            p = tensors[i]
            i += 1
        }
        precondition(i == tensors.count, "withParameters: \(tensors.count) tensors for \(i) parameters")
        defer {
            var j = 0
            visitParameters { _, p in p = originals[j]; j += 1 }
        }
        return try body()
    }

    /// Copies of all parameters keyed by name (a snapshot independent of later updates).
    public func parameterSnapshot() -> [String: Tensor] {
        var out: [String: Tensor] = [:]
        visitParameters { key, t in out[key] = t.detached.copy() }
        return out
    }
}

/// Errors from loading or replacing parameters by key.
public enum ModuleError: Error, Equatable, CustomStringConvertible {
    case missingParameter(key: String)
    case unexpectedParameter(key: String)
    case shapeMismatch(key: String, expected: [Int], found: [Int])

    public var description: String {
        switch self {
        case .missingParameter(let key):
            return "parameter '\(key)' is missing; the file was made for a different model configuration"
        case .unexpectedParameter(let key):
            return "unknown parameter '\(key)'; the file was made for a different model configuration"
        case .shapeMismatch(let key, let expected, let found):
            return "parameter '\(key)' has shape \(found) but the model expects \(expected); check the model configuration"
        }
    }
}

/// The parameter shapes of a module, for validating keyed tensors before touching the module.
struct ParameterShapes {
    let shapes: [(key: String, shape: [Int])]
    init(_ model: Module) { shapes = model.namedParameters.map { ($0.key, $0.tensor.shape) } }

    /// Checks shapes of the present keys; with `strict`, also that every parameter is
    /// present and no unknown key appears.
    func validate(_ values: [String: Tensor], strict: Bool = true) throws {
        for (key, shape) in shapes {
            guard let v = values[key] else {
                if strict { throw ModuleError.missingParameter(key: key) }
                continue
            }
            if v.shape != shape { throw ModuleError.shapeMismatch(key: key, expected: shape, found: v.shape) }
        }
        let known = Set(shapes.map(\.key))
        if strict, let extra = values.keys.sorted().first(where: { !known.contains($0) }) {
            throw ModuleError.unexpectedParameter(key: extra)
        }
    }
}
