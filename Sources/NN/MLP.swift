import TensorCore

/// Configuration of the time-conditioned MLP (`mlp2d` is one preset).
public struct MLPConfig: Codable, Equatable, Sendable {
    /// Dimension of x (and of the output).
    public var inputDimension: Int
    /// Hidden width.
    public var width: Int
    /// Number of hidden width×width blocks.
    public var depth: Int
    /// Dimension of the sinusoidal time embedding (even).
    public var timeEmbeddingDimension: Int
    /// Classes of the class embedding (0: unconditional, no embedding).
    public var classCount: Int
    /// The time scale of the sinusoidal embedding (`SinusoidalEmbedding.scale`).
    public var timeScale: Float

    public init(inputDimension: Int = 2, width: Int = 256, depth: Int = 3, timeEmbeddingDimension: Int = 64, classCount: Int = 0,
                timeScale: Float = SinusoidalEmbedding.legacyScale) {
        self.inputDimension = inputDimension
        self.width = width
        self.depth = depth
        self.timeEmbeddingDimension = timeEmbeddingDimension
        self.classCount = classCount
        self.timeScale = timeScale
    }

    private enum CodingKeys: String, CodingKey { case inputDimension, width, depth, timeEmbeddingDimension, classCount, timeScale }

    /// Decodes the JSON of a checkpoint; `classCount` is absent (0) in unconditional ones, `timeScale`
    /// in those trained with the legacy 1000.
    public init(from decoder: Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        self.init(inputDimension: try c.decode(Int.self, forKey: .inputDimension), width: try c.decode(Int.self, forKey: .width),
                  depth: try c.decode(Int.self, forKey: .depth),
                  timeEmbeddingDimension: try c.decode(Int.self, forKey: .timeEmbeddingDimension),
                  classCount: try c.decodeIfPresent(Int.self, forKey: .classCount) ?? 0,
                  timeScale: try c.decodeIfPresent(Float.self, forKey: .timeScale) ?? SinusoidalEmbedding.legacyScale)
    }

    public func encode(to encoder: Encoder) throws {
        var c = encoder.container(keyedBy: CodingKeys.self)
        try c.encode(inputDimension, forKey: .inputDimension)
        try c.encode(width, forKey: .width)
        try c.encode(depth, forKey: .depth)
        try c.encode(timeEmbeddingDimension, forKey: .timeEmbeddingDimension)
        if classCount > 0 { try c.encode(classCount, forKey: .classCount) }
        if timeScale != SinusoidalEmbedding.legacyScale { try c.encode(timeScale, forKey: .timeScale) }
    }

    /// The reference `mlp2d` (215,298 parameters).
    public static let mlp2d = MLPConfig()

    /// Checks that the configuration describes a buildable network.
    public func validate() throws {
        func check(_ ok: Bool, _ what: String) throws { if !ok { throw ModelConfigError.invalid("mlp: \(what)") } }
        try check(inputDimension >= 1, "inputDimension must be ≥ 1, got \(inputDimension)")
        try check(width >= 1, "width must be ≥ 1, got \(width)")
        try check(depth >= 0, "depth must be ≥ 0, got \(depth)")
        try check(timeEmbeddingDimension >= 2 && timeEmbeddingDimension % 2 == 0,
                  "timeEmbeddingDimension must be even and ≥ 2, got \(timeEmbeddingDimension)")
        try check(classCount >= 0, "classCount must be ≥ 0, got \(classCount)")
        try check(timeScale > 0 && timeScale.isFinite, "timeScale must be positive, got \(timeScale)")
    }
}

/// Time-conditioned MLP without residual connections (the reference `MLP2D`):
///
///     temb = SiLU(time_proj(sinusoidal(t)) [+ class_emb(c)])
///     h    = in_proj(x) + temb
///     h    = blocks[i](SiLU(h))        i = 0 … depth−1
///     out  = out(SiLU(h))
///
/// Parameter keys: `time_proj`, `in_proj`, `blocks.<i>`, `out` (each `.weight`, `.bias`), and
/// `class_emb.weight` for a class-conditional MLP (`classCount` > 0).
public final class MLP: Network {
    public let mlpConfig: MLPConfig
    public let embedding: SinusoidalEmbedding
    public let timeProj: Linear
    /// The class embedding (class-conditional networks only).
    public let classEmbedding: ClassEmbedding?
    public let inProj: Linear
    public let blocks: [Linear]
    public let out: Linear

    public init(_ config: MLPConfig, key: RandomKey) throws {
        try config.validate()
        mlpConfig = config
        embedding = SinusoidalEmbedding(dimension: config.timeEmbeddingDimension, scale: config.timeScale)
        timeProj = Linear(config.timeEmbeddingDimension, config.width, key: key.fold("time_proj"))
        classEmbedding = config.classCount > 0 ? ClassEmbedding(classes: config.classCount, dimension: config.width, key: key.fold("class_emb")) : nil
        inProj = Linear(config.inputDimension, config.width, key: key.fold("in_proj"))
        blocks = (0..<config.depth).map { Linear(config.width, config.width, key: key.fold("blocks.\($0)")) }
        out = Linear(config.width, config.inputDimension, key: key.fold("out"))
    }

    public var config: ModelConfig { .mlp(mlpConfig) }

    public func visitParameters(_ body: (String, inout Tensor) -> Void) {
        visit("time_proj", timeProj, body)
        visit("class_emb", classEmbedding, body)
        visit("in_proj", inProj, body)
        for (i, b) in blocks.enumerated() { visit("blocks.\(i)", b, body) }
        visit("out", out, body)
    }

    public func callAsFunction(x: Tensor, t: Tensor, classes: [Int?]) -> Tensor {
        precondition(x.rank == 2 && x.shape[1] == mlpConfig.inputDimension && t.shape == [x.shape[0]],
                     "MLP: expected x [B, \(mlpConfig.inputDimension)] and t [B], got \(x.shape) and \(t.shape)")
        checkClasses(classes, rows: x.shape[0], classCount: mlpConfig.classCount, "MLP")
        // Each layer's bias, addend and the SiLU that follows it run in its GEMM's epilogue.
        let temb = timeProj(embedding(t), adding: classEmbedding?(classes), activation: .silu)
        var h = inProj(x, adding: temb, activation: .silu)
        for b in blocks { h = b(h, activation: .silu) }
        return out(h)
    }
}
