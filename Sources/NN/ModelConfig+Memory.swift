import Foundation

/// Rough working-memory estimates, so that an absurd `--batch`, `--n` or image size is
/// refused up front with the memory it would need instead of dying in an allocation.
///
/// Calibrated on peak resident memory measured at two batch sizes (the slope, 2026-12-01):
/// unet28 inference ~1.0 MB and training ~3.7 MB per 28×28 image (≈ 10 and 37 times its
/// first level's activation c₀·H·W·4 bytes); mlp2d inference ~5.6 KB and training ~19 KB
/// per point (≈ 6 and 19 times width·4 bytes at depth 3). Good to a factor of about two.
extension ModelConfig {
    /// Bytes one sample costs in a forward pass (`training` false) or a training step (forward,
    /// tape and backward).
    public func workingBytesPerSample(training: Bool) -> Double {
        switch self {
        case .unet(let c):
            let firstLevel = Double(c.baseChannels) * Double(c.imageSize) * Double(c.imageSize) * 4
            return firstLevel * (training ? 40 : 10)
        case .mlp(let c):
            let layer = Double(max(c.width, c.inputDimension, c.timeEmbeddingDimension)) * 4
            return layer * (training ? 2 + 6 * Double(c.depth) : 2 + 1.5 * Double(c.depth))
        }
    }
}

/// Memory sizes for messages: "3.1 GB", "790 TB".
public func formatBytes(_ bytes: Double) -> String {
    let units = ["bytes", "KB", "MB", "GB", "TB", "PB", "EB"]
    var value = bytes, unit = 0
    while value >= 1000 && unit < units.count - 1 { value /= 1000; unit += 1 }
    return unit == 0 ? "\(Int(value)) bytes" : String(format: value < 10 ? "%.1f %@" : "%.0f %@", value, units[unit])
}

/// Physical memory of this machine in bytes.
public var physicalMemoryBytes: Double { Double(ProcessInfo.processInfo.physicalMemory) }
