/// Configuration of the time-conditioned U-Net (`unet28` and `unet-tiny` are presets).
///
/// Level i has c_i = baseChannels·channelMultipliers[i] channels at resolution
/// imageSize/2^i. The encoder runs `blocksPerLevel` residual blocks per level
/// (each output is a skip), then a stride-2 downsample except after the last
/// level; the middle is ResBlock–attention–ResBlock at the lowest resolution;
/// the decoder mirrors the encoder, concatenating [path, skip] before each block
/// and upsampling (nearest 2× + 3×3 conv) after every level but level 0.
public struct UNetConfig: Codable, Equatable, Sendable {
    public var inputChannels: Int
    public var imageSize: Int
    public var baseChannels: Int
    public var channelMultipliers: [Int]
    public var blocksPerLevel: Int
    /// Resolutions (e.g. 14) whose encoder and decoder blocks are followed by self-attention.
    public var attentionResolutions: [Int]
    /// Self-attention between the two middle blocks.
    public var midAttention: Bool
    /// Dimension of the sinusoidal embedding of t (even).
    public var timeEmbeddingInput: Int
    /// Width of the time-embedding MLP fed to every residual block.
    public var timeEmbeddingDimension: Int
    /// GroupNorm groups (every channel count must be divisible by it).
    public var groups: Int
    /// Classes of the class embedding (0: unconditional, no embedding).
    public var classCount: Int
    /// The time scale of the sinusoidal embedding (`SinusoidalEmbedding.scale`).
    public var timeScale: Float

    public init(inputChannels: Int = 1, imageSize: Int = 28, baseChannels: Int = 32, channelMultipliers: [Int] = [1, 2, 4],
                blocksPerLevel: Int = 1, attentionResolutions: [Int] = [], midAttention: Bool = true,
                timeEmbeddingInput: Int = 128, timeEmbeddingDimension: Int = 256, groups: Int = 8, classCount: Int = 0,
                timeScale: Float = SinusoidalEmbedding.legacyScale) {
        self.inputChannels = inputChannels
        self.imageSize = imageSize
        self.baseChannels = baseChannels
        self.channelMultipliers = channelMultipliers
        self.blocksPerLevel = blocksPerLevel
        self.attentionResolutions = attentionResolutions
        self.midAttention = midAttention
        self.timeEmbeddingInput = timeEmbeddingInput
        self.timeEmbeddingDimension = timeEmbeddingDimension
        self.groups = groups
        self.classCount = classCount
        self.timeScale = timeScale
    }

    private enum CodingKeys: String, CodingKey {
        case inputChannels, imageSize, baseChannels, channelMultipliers, blocksPerLevel, attentionResolutions, midAttention
        case timeEmbeddingInput, timeEmbeddingDimension, groups, classCount, timeScale
    }

    /// Decodes the JSON of a checkpoint; `classCount` is absent (0) in unconditional ones, `timeScale`
    /// in those trained with the legacy 1000.
    public init(from decoder: Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        self.init(inputChannels: try c.decode(Int.self, forKey: .inputChannels), imageSize: try c.decode(Int.self, forKey: .imageSize),
                  baseChannels: try c.decode(Int.self, forKey: .baseChannels),
                  channelMultipliers: try c.decode([Int].self, forKey: .channelMultipliers),
                  blocksPerLevel: try c.decode(Int.self, forKey: .blocksPerLevel),
                  attentionResolutions: try c.decode([Int].self, forKey: .attentionResolutions),
                  midAttention: try c.decode(Bool.self, forKey: .midAttention),
                  timeEmbeddingInput: try c.decode(Int.self, forKey: .timeEmbeddingInput),
                  timeEmbeddingDimension: try c.decode(Int.self, forKey: .timeEmbeddingDimension),
                  groups: try c.decode(Int.self, forKey: .groups),
                  classCount: try c.decodeIfPresent(Int.self, forKey: .classCount) ?? 0,
                  timeScale: try c.decodeIfPresent(Float.self, forKey: .timeScale) ?? SinusoidalEmbedding.legacyScale)
    }

    public func encode(to encoder: Encoder) throws {
        var c = encoder.container(keyedBy: CodingKeys.self)
        try c.encode(inputChannels, forKey: .inputChannels)
        try c.encode(imageSize, forKey: .imageSize)
        try c.encode(baseChannels, forKey: .baseChannels)
        try c.encode(channelMultipliers, forKey: .channelMultipliers)
        try c.encode(blocksPerLevel, forKey: .blocksPerLevel)
        try c.encode(attentionResolutions, forKey: .attentionResolutions)
        try c.encode(midAttention, forKey: .midAttention)
        try c.encode(timeEmbeddingInput, forKey: .timeEmbeddingInput)
        try c.encode(timeEmbeddingDimension, forKey: .timeEmbeddingDimension)
        try c.encode(groups, forKey: .groups)
        if classCount > 0 { try c.encode(classCount, forKey: .classCount) }
        if timeScale != SinusoidalEmbedding.legacyScale { try c.encode(timeScale, forKey: .timeScale) }
    }

    /// The reference `unet28` (2,152,289 parameters).
    public static let unet28 = UNetConfig()
    /// The reference `unet-tiny` (51,353 parameters): channels 8/16/16, time embedding 32 → 32.
    public static let unetTiny = UNetConfig(baseChannels: 8, channelMultipliers: [1, 2, 2],
                                            timeEmbeddingInput: 32, timeEmbeddingDimension: 32)

    /// Channels of each level.
    public var levelChannels: [Int] { channelMultipliers.map { $0 * baseChannels } }

    /// Spatial size of level `i`.
    public func resolution(level i: Int) -> Int { imageSize >> i }

    /// Checks that the configuration describes a buildable network.
    public func validate() throws {
        func check(_ ok: Bool, _ what: String) throws { if !ok { throw ModelConfigError.invalid("unet: \(what)") } }
        try check(inputChannels >= 1, "inputChannels must be ≥ 1, got \(inputChannels)")
        try check(!channelMultipliers.isEmpty, "channelMultipliers must not be empty")
        try check(groups >= 1, "groups must be ≥ 1, got \(groups)")
        try check(baseChannels >= 1 && channelMultipliers.allSatisfy { $0 >= 1 },
                  "baseChannels and channelMultipliers must be ≥ 1, got \(baseChannels) and \(channelMultipliers)")
        for c in levelChannels {
            try check(c % groups == 0, "channel count \(c) is not divisible by \(groups) groups")
        }
        let factor = 1 << (channelMultipliers.count - 1)
        try check(imageSize >= factor && imageSize % factor == 0,
                  "imageSize \(imageSize) must be divisible by 2^(levels−1) = \(factor)")
        try check(classCount >= 0, "classCount must be ≥ 0, got \(classCount)")
        try check(blocksPerLevel >= 1, "blocksPerLevel must be ≥ 1, got \(blocksPerLevel)")
        try check(timeEmbeddingInput >= 2 && timeEmbeddingInput % 2 == 0,
                  "timeEmbeddingInput must be even and ≥ 2, got \(timeEmbeddingInput)")
        try check(timeEmbeddingDimension >= 1, "timeEmbeddingDimension must be ≥ 1, got \(timeEmbeddingDimension)")
        try check(timeScale > 0 && timeScale.isFinite, "timeScale must be positive, got \(timeScale)")
        let resolutions = (0..<channelMultipliers.count).map(resolution(level:))
        for r in attentionResolutions {
            try check(resolutions.contains(r), "attention resolution \(r) is not one of the level resolutions \(resolutions)")
        }
    }
}
