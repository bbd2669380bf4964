import DriftIO
import TensorCore

/// The picture `drift sample` writes beside its samples.
enum SamplePicture {
    /// Writes a picture of `samples` if their shape has one; returns whether it did.
    /// (Image grids and 2-D scatter plots come from DriftIO's plotting helpers.)
    static func write(_ samples: Tensor, sampleShape: [Int], to path: String) throws -> Bool {
        false
    }
}
