import TensorCore

/// A first-order optimizer updating a module's parameters in place.
///
/// Updates are raw loops over the parameters' storage (no tape, no new
/// tensors); the tensors a module holds keep their identity. State (moments,
/// step count) is exposed as tensors keyed like the parameters so that a
/// checkpoint can save it and resume exactly.
public protocol Optimizer: AnyObject {
    /// Step size used by the next `step` (set it from an `LRSchedule`).
    var learningRate: Float { get set }
    /// Applies one update from `gradients` (keyed like `model`'s parameters).
    /// Parameters without a gradient are left untouched, as in PyTorch.
    func step(_ model: Module, gradients: [String: Tensor])
    /// The optimizer's state.
    var state: OptimizerState { get }
    /// Restores a state saved from `state`, validated against `model`'s parameters.
    func loadState(_ state: OptimizerState, for model: Module) throws
}

/// Optimizer state: a step count and per-parameter slots (e.g. Adam's `m`, `v`).
public struct OptimizerState: Equatable {
    /// Number of updates applied so far.
    public var step: Int
    /// slot name → parameter key → tensor (same shape as the parameter).
    public var slots: [String: [String: Tensor]]

    public init(step: Int = 0, slots: [String: [String: Tensor]] = [:]) {
        self.step = step
        self.slots = slots
    }

    /// Flat view for storage: `"<slot>/<parameter key>"` → tensor, plus `"step"` as a one-element tensor.
    public var flattened: [String: Tensor] {
        var out: [String: Tensor] = ["step": Tensor([Float(step)])]
        for (slot, byKey) in slots { for (key, t) in byKey { out[slot + "/" + key] = t } }
        return out
    }

    /// Inverse of `flattened`.
    /// - Throws: `OptimizerStateError` if `"step"` is missing or a key has no slot.
    public init(flattened: [String: Tensor]) throws {
        guard let s = flattened["step"], s.count == 1 else { throw OptimizerStateError.missingStep }
        self.init(step: Int(s.item.rounded()))
        for (name, t) in flattened where name != "step" {
            guard let slash = name.firstIndex(of: "/") else { throw OptimizerStateError.malformedKey(name) }
            slots[String(name[..<slash]), default: [:]][String(name[name.index(after: slash)...])] = t
        }
    }

    public static func == (a: OptimizerState, b: OptimizerState) -> Bool {
        a.step == b.step && a.slots.keys == b.slots.keys && a.slots.allSatisfy { slot, byKey in
            guard let other = b.slots[slot], other.keys == byKey.keys else { return false }
            return byKey.allSatisfy { k, t in other[k]!.shape == t.shape && other[k]!.scalars == t.scalars }
        }
    }

    /// Copies of slot `name`, validated against `model`: every entry must name a parameter
    /// and have its shape. A parameter without an entry has never been updated (as in PyTorch).
    /// When `required`, the slot itself must be present.
    func validatedSlot(_ name: String, for model: Module, required: Bool) throws -> [String: Tensor] {
        guard let byKey = slots[name] else {
            if required { throw OptimizerStateError.missingSlot(name) }
            return [:]
        }
        var out: [String: Tensor] = [:]
        for (key, p) in model.namedParameters {
            guard let t = byKey[key] else { continue }
            guard t.shape == p.shape else {
                throw OptimizerStateError.shapeMismatch(slot: name, key: key, expected: p.shape, found: t.shape)
            }
            out[key] = t.detached.copy()
        }
        if let extra = byKey.keys.sorted().first(where: { out[$0] == nil }) {
            throw OptimizerStateError.unexpected(slot: name, key: extra)
        }
        return out
    }
}

/// A saved optimizer state that does not fit the model.
public enum OptimizerStateError: Error, Equatable, CustomStringConvertible {
    case missingStep
    case malformedKey(String)
    case missingSlot(String)
    case unexpected(slot: String, key: String)
    case shapeMismatch(slot: String, key: String, expected: [Int], found: [Int])

    public var description: String {
        switch self {
        case .missingStep: return "optimizer state has no 'step'; the checkpoint is incomplete"
        case .malformedKey(let k): return "optimizer state key '\(k)' is not of the form <slot>/<parameter>"
        case .missingSlot(let s): return "optimizer state has no '\(s)' moments; was it saved by another optimizer?"
        case .unexpected(let s, let k): return "optimizer state '\(s)' has an entry for unknown parameter '\(k)'; the checkpoint does not match the model"
        case .shapeMismatch(let s, let k, let e, let f):
            return "optimizer state '\(s)/\(k)' has shape \(f) but the parameter has shape \(e)"
        }
    }
}

extension Module {
    /// Runs `body(key, parameter, gradient)` for every parameter with a gradient
    /// (to update the parameter's storage in place). Preconditions matching shapes.
    func forEachParameterWithGradient(_ gradients: [String: Tensor], op: String,
                                      _ body: (String, Tensor, Tensor) -> Void) {
        visitParameters { key, p in
            guard let g = gradients[key] else { return }
            precondition(g.shape == p.shape, "\(op): gradient of '\(key)' has shape \(g.shape), parameter \(p.shape)")
            body(key, p, g)
        }
    }
}

/// Zero-initialized per-parameter state (moments, momentum buffers) of an optimizer.
struct ParameterSlot {
    var byKey: [String: Tensor] = [:]

    /// Storage of the state for parameter `key` (created as zeros of `like`'s shape on first use).
    mutating func pointer(_ key: String, like p: Tensor) -> UnsafeMutablePointer<Float> {
        if let s = byKey[key] { return s.storage.pointer }
        let s = Tensor.zeros(p.shape)
        byKey[key] = s
        return s.storage.pointer
    }
}
