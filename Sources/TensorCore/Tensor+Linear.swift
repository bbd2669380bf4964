import DriftKernels

/// An activation a linear layer can apply in its GEMM's epilogue.
public enum Activation: Sendable, Equatable, CustomStringConvertible {
    case identity
    /// x·σ(x), bit for bit `Tensor.silu()`.
    case silu

    var code: Int32 {
        switch self {
        case .identity: return Int32(DRIFT_ACTIVATION_NONE)
        case .silu: return Int32(DRIFT_ACTIVATION_SILU)
        }
    }

    public var description: String { self == .silu ? "silu" : "identity" }
}

extension Tensor {
    /// A linear layer as one fused op: `activation(x·Wᵀ + bias + add)`.
    ///
    /// - `x` [..., in], `weight` [out, in], `bias` [out] (or nil), `add` [..., out] (or nil).
    ///
    /// The bias, the addend and the activation run in the GEMM's epilogue, on each output tile
    /// while it is in L1 (`GEMMEpilogue`), instead of as passes of their own over memory. The
    /// values are bitwise those of `(x.matmul(weight, transposeB: true) + bias + add).silu()`,
    /// and so are the gradients: the rule applies the same kernels as those ops' rules. A
    /// tracked SiLU layer keeps its pre-activation for the backward pass (as `silu()` keeps its
    /// input); untracked, the activation overwrites it in place.
    public static func linear(_ x: Tensor, weight: Tensor, bias: Tensor?, adding add: Tensor? = nil,
                              activation: Activation = .identity) -> Tensor {
        precondition(weight.rank == 2, "linear: weight must be [out, in], got \(weight.shape)")
        let (outF, inF) = (weight.shape[0], weight.shape[1])
        precondition(x.rank >= 1 && x.shape[x.rank - 1] == inF,
                     "linear: input shape \(x.shape) does not end in \(inF) (weight \(weight.shape))")
        let outShape = Array(x.shape.dropLast()) + [outF]
        if let bias { precondition(bias.shape == [outF], "linear: bias must be [\(outF)], got \(bias.shape)") }
        if let add { precondition(add.shape == outShape, "linear: addend must be \(outShape), got \(add.shape)") }
        let rows = x.count / Swift.max(inF, 1)
        let tracked = x.isTracked || weight.isTracked || (bias?.isTracked ?? false) || (add?.isTracked ?? false)

        let h = Tensor(uninitializedShape: outShape)
        let y = activation == .identity || !tracked ? h : Tensor(uninitializedShape: outShape)
        let epilogue = GEMMEpilogue(bias: bias?.storage.pointer, add: add?.storage.pointer, ldadd: outF,
                                    activation: activation, act: y.storage.pointer, ldact: outF)
        sgemm(transA: false, transB: true, m: rows, n: outF, k: inF, a: x.storage.pointer, lda: inF,
              b: weight.storage.pointer, ldb: inF, c: h.storage.pointer, ldc: outF, epilogue: epilogue)
        if !tracked { return y }

        let inputs = [x, weight] + (bias.map { [$0] } ?? []) + (add.map { [$0] } ?? [])
        let biasIndex = bias == nil ? nil : 2, addIndex = add == nil ? nil : 2 + (bias == nil ? 0 : 1)
        return record("linear", y, inputs: inputs, composable: true) { c in
            let x = c.inputs[0], w = c.inputs[1]
            let gh: Tensor
            if c.createsGraph {
                // Taped form: the pre-activation recomputed from the tracked inputs.
                var pre = x.reshaped([rows, inF]).matmul(w, transposeB: true).reshaped(outShape)
                if let i = biasIndex { pre = pre + c.inputs[i] }
                if let i = addIndex { pre = pre + c.inputs[i] }
                if activation == .silu {
                    let s = pre.sigmoid()
                    gh = c.grad * s * (1 + pre * (1 - s))
                } else {
                    gh = c.grad
                }
            } else {
                gh = activation == .silu ? combine(c.grad, h, SiLUGradOp()) : c.grad
            }
            let g2 = gh.reshaped([rows, outF])
            var grads: [Tensor?] = [
                c.needs[0] ? g2.matmul(w).reshaped(x.shape) : nil,
                c.needs[1] ? g2.matmul(x.reshaped([rows, inF]), transposeA: true) : nil,
            ]
            if let i = biasIndex { grads.append(c.needs[i] ? gh.sumToShape([outF]) : nil) }
            if let i = addIndex { grads.append(c.needs[i] ? gh : nil) }
            return grads
        }
    }
}
