import TensorCore

/// Which network to build: a closed set of architectures, each with its own configuration.
///
/// JSON form (stored in checkpoints): the configuration's fields plus
/// `"architecture": "mlp" | "unet"`, e.g. `{"architecture":"mlp","inputDimension":2,…}`.
public enum ModelConfig: Equatable, Sendable {
    case mlp(MLPConfig)
    case unet(UNetConfig)

    /// Shape of one sample (without the batch axis).
    public var sampleShape: [Int] {
        switch self {
        case .mlp(let c): return [c.inputDimension]
        case .unet(let c): return [c.inputChannels, c.imageSize, c.imageSize]
        }
    }

    /// Number of classes the network is conditioned on (0: unconditional).
    public var classCount: Int {
        get {
            switch self {
            case .mlp(let c): return c.classCount
            case .unet(let c): return c.classCount
            }
        }
        set {
            switch self {
            case .mlp(var c): c.classCount = newValue; self = .mlp(c)
            case .unet(var c): c.classCount = newValue; self = .unet(c)
            }
        }
    }

    /// The time scale of the network's sinusoidal embedding (`SinusoidalEmbedding.scale`).
    public var timeScale: Float {
        get {
            switch self {
            case .mlp(let c): return c.timeScale
            case .unet(let c): return c.timeScale
            }
        }
        set {
            switch self {
            case .mlp(var c): c.timeScale = newValue; self = .mlp(c)
            case .unet(var c): c.timeScale = newValue; self = .unet(c)
            }
        }
    }

    /// Checks that the configuration describes a buildable network.
    public func validate() throws {
        switch self {
        case .mlp(let c): try c.validate()
        case .unet(let c): try c.validate()
        }
    }

    /// Builds the network with PyTorch-default initialization drawn from `key`.
    /// - Throws: `ModelConfigError` if the configuration is invalid.
    public func build(key: RandomKey) throws -> any Network {
        switch self {
        case .mlp(let c): return try MLP(c, key: key)
        case .unet(let c): return try UNet(c, key: key)
        }
    }
}

extension ModelConfig: Codable {
    private enum Architecture: String, Codable { case mlp, unet }
    private enum CodingKeys: String, CodingKey { case architecture }

    public init(from decoder: Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        switch try c.decode(Architecture.self, forKey: .architecture) {
        case .mlp: self = .mlp(try MLPConfig(from: decoder))
        case .unet: self = .unet(try UNetConfig(from: decoder))
        }
    }

    public func encode(to encoder: Encoder) throws {
        var c = encoder.container(keyedBy: CodingKeys.self)
        switch self {
        case .mlp(let m): try c.encode(Architecture.mlp, forKey: .architecture); try m.encode(to: encoder)
        case .unet(let u): try c.encode(Architecture.unet, forKey: .architecture); try u.encode(to: encoder)
        }
    }
}

/// The reference architectures of `torch_reference.py`, by their names there.
public enum ModelPreset: String, CaseIterable, Codable, Sendable {
    case mlp2d
    case unet28
    case unetTiny = "unet-tiny"

    public var config: ModelConfig {
        switch self {
        case .mlp2d: return .mlp(.mlp2d)
        case .unet28: return .unet(.unet28)
        case .unetTiny: return .unet(.unetTiny)
        }
    }

    /// Parameter count of the PyTorch reference model.
    public var referenceParameterCount: Int {
        switch self {
        case .mlp2d: return 215_298
        case .unet28: return 2_152_289
        case .unetTiny: return 51_353
        }
    }
}

/// A model configuration that cannot be built.
public enum ModelConfigError: Error, Equatable, CustomStringConvertible {
    case invalid(String)
    public var description: String {
        switch self {
        case .invalid(let what): return "invalid model configuration: \(what)"
        }
    }
}
