import TensorCore

/// Time-conditioned U-Net (Ronneberger et al. 2015; the DDPM variant of Ho et al. 2020),
/// configurable; `UNetConfig.unet28` is exactly the reference `UNet28`:
///
///     temb = temb_fc2(SiLU(temb_fc1(sinusoidal(t)))) [+ class_emb(c)]
///     h = conv_in(x)
///     encoder, level i:  ResBlock → [attention] → push skip   (× blocksPerLevel), then ds<i> (not at the last level)
///     middle:            mid1 → mid_attn → mid2
///     decoder, level i:  concat [h, pop skip] → ResBlock → [attention]   (× blocksPerLevel), then us<i> (not at level 0)
///     out = conv_out(SiLU(norm_out(h)))
///
/// Keys (PyTorch `state_dict` names of the reference): `temb_fc1`, `temb_fc2`, `conv_in`,
/// `down<i>`, `ds<i>`, `mid1`, `mid_attn`, `mid2`, `up<i>`, `us<i>`, `norm_out`, `conv_out`;
/// with more blocks per level the extra blocks are `down<i>_<b>` / `up<i>_<b>` (b ≥ 1) and
/// attention after a block is `<block>_attn`; a class-conditional U-Net (`classCount` > 0) adds
/// `class_emb.weight` after `temb_fc2`. Visiting order equals the reference's.
public final class UNet: Network {
    /// One step of the network body, in execution (and key) order.
    enum Stage {
        case res(String, ResBlock)
        case attention(String, AttentionBlock)
        case downsample(String, Downsample)
        case upsample(String, Upsample)
        /// Remember h for the decoder.
        case pushSkip
        /// h ← concat([h, last remembered], channels).
        case concatSkip
    }

    public let unetConfig: UNetConfig
    public let embedding: SinusoidalEmbedding
    public let tembFC1: Linear
    public let tembFC2: Linear
    /// The class embedding (class-conditional networks only), added to the time embedding.
    public let classEmbedding: ClassEmbedding?
    public let convIn: Conv2d
    let stages: [Stage]
    public let normOut: GroupNorm
    public let convOut: Conv2d

    public init(_ config: UNetConfig, key: RandomKey) throws {
        try config.validate()
        unetConfig = config
        let c = config.levelChannels, levels = c.count, groups = config.groups, td = config.timeEmbeddingDimension
        embedding = SinusoidalEmbedding(dimension: config.timeEmbeddingInput, scale: config.timeScale)
        tembFC1 = Linear(config.timeEmbeddingInput, td, key: key.fold("temb_fc1"))
        tembFC2 = Linear(td, td, key: key.fold("temb_fc2"))
        classEmbedding = config.classCount > 0 ? ClassEmbedding(classes: config.classCount, dimension: td, key: key.fold("class_emb")) : nil
        convIn = Conv2d(config.inputChannels, c[0], kernelSize: 3, padding: 1, key: key.fold("conv_in"))

        var stages: [Stage] = []
        var ch = c[0], skipChannels: [Int] = []
        func res(_ name: String, _ cin: Int, _ cout: Int) {
            stages.append(.res(name, ResBlock(cin, cout, timeEmbeddingDimension: td, groups: groups, key: key.fold(name))))
        }
        func attention(_ name: String) {
            stages.append(.attention(name, AttentionBlock(channels: ch, groups: groups, key: key.fold(name))))
        }
        for i in 0..<levels {
            for b in 0..<config.blocksPerLevel {
                let name = b == 0 ? "down\(i)" : "down\(i)_\(b)"
                res(name, ch, c[i])
                ch = c[i]
                if config.attentionResolutions.contains(config.resolution(level: i)) { attention(name + "_attn") }
                stages.append(.pushSkip)
                skipChannels.append(ch)
            }
            if i < levels - 1 { stages.append(.downsample("ds\(i)", Downsample(channels: ch, key: key.fold("ds\(i)")))) }
        }
        res("mid1", ch, ch)
        if config.midAttention { attention("mid_attn") }
        res("mid2", ch, ch)
        for i in (0..<levels).reversed() {
            for b in 0..<config.blocksPerLevel {
                let name = b == 0 ? "up\(i)" : "up\(i)_\(b)"
                stages.append(.concatSkip)
                res(name, ch + skipChannels.removeLast(), c[i])
                ch = c[i]
                if config.attentionResolutions.contains(config.resolution(level: i)) { attention(name + "_attn") }
            }
            if i > 0 { stages.append(.upsample("us\(i)", Upsample(channels: ch, key: key.fold("us\(i)")))) }
        }
        self.stages = stages
        normOut = GroupNorm(groups: groups, channels: ch)
        convOut = Conv2d(ch, config.inputChannels, kernelSize: 3, padding: 1, key: key.fold("conv_out"))
    }

    public var config: ModelConfig { .unet(unetConfig) }

    public func visitParameters(_ body: (String, inout Tensor) -> Void) {
        visit("temb_fc1", tembFC1, body)
        visit("temb_fc2", tembFC2, body)
        visit("class_emb", classEmbedding, body)
        visit("conv_in", convIn, body)
        for stage in stages {
            switch stage {
            case .res(let name, let m): visit(name, m, body)
            case .attention(let name, let m): visit(name, m, body)
            case .downsample(let name, let m): visit(name, m, body)
            case .upsample(let name, let m): visit(name, m, body)
            case .pushSkip, .concatSkip: break
            }
        }
        visit("norm_out", normOut, body)
        visit("conv_out", convOut, body)
    }

    public func callAsFunction(x: Tensor, t: Tensor, classes: [Int?]) -> Tensor {
        let size = unetConfig.imageSize
        precondition(x.rank == 4 && Array(x.shape.dropFirst()) == [unetConfig.inputChannels, size, size] && t.shape == [x.shape[0]],
                     "UNet: expected x [B, \(unetConfig.inputChannels), \(size), \(size)] and t [B], got \(x.shape) and \(t.shape)")
        checkClasses(classes, rows: x.shape[0], classCount: unetConfig.classCount, "UNet")
        let temb = tembFC2(tembFC1(embedding(t), activation: .silu), adding: classEmbedding?(classes), activation: .identity)
        var h = convIn(x)
        var skips: [Tensor] = []
        for stage in stages {
            switch stage {
            case .res(_, let block): h = block(h, temb: temb)
            case .attention(_, let block): h = block(h)
            case .downsample(_, let block): h = block(h)
            case .upsample(_, let block): h = block(h)
            case .pushSkip: skips.append(h)
            case .concatSkip: h = Tensor.concat([h, skips.removeLast()], axis: 1)
            }
        }
        return convOut(normOut(h, silu: true))
    }
}
