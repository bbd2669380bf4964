import Foundation

/// Preview images of the EMA model during training (filled in when the sampler and PNG writers land).
public enum TrainingPreview {
    public static func render(_ trainer: Trainer, to file: String) throws {}
}
