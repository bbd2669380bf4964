import DriftIO
import Foundation
import Plotting
import TensorCore

/// The picture `drift sample` writes beside its samples: a scatter plot for 2-D points, an image
/// grid (first 64 samples, values in [−1, 1]) for [C, H, W] samples with C = 1 or 3.
enum SamplePicture {
    /// Whether samples of this shape have a picture.
    static func canDraw(sampleShape: [Int]) -> Bool {
        sampleShape == [2] || isImage(sampleShape: sampleShape)
    }

    /// Whether samples of this shape are grey or RGB images [C, H, W].
    static func isImage(sampleShape: [Int]) -> Bool {
        sampleShape.count == 3 && (sampleShape[0] == 1 || sampleShape[0] == 3)
    }

    /// The most samples an image grid shows (the first ones).
    static let gridLimit = 64

    /// One image sample [1, C, H, W] as a PNG of its own size (values in [−1, 1] to 0…255, as in
    /// the grids), which the editing commands read back as it is.
    static func writeImage(_ sample: Tensor, to path: String, text: [PNGText]) throws {
        try PNG.write(ImageGrid.make(sample, nrow: 1, padding: 0), to: path, text: text)
    }

    /// Writes a picture of `samples` if their shape has one; returns whether it did.
    static func write(_ samples: Tensor, sampleShape: [Int], to path: String, text: [PNGText]) throws -> Bool {
        guard !path.isEmpty else { return false }
        if sampleShape == [2] {
            let r = extent(samples)
            try ScatterPlot(xRange: -r...r, yRange: -r...r).write(samples, to: path, text: text)
            return true
        }
        if isImage(sampleShape: sampleShape) {
            let n = min(samples.shape[0], gridLimit), per = samples.count / samples.shape[0]
            let first = Tensor(Array(samples.scalars.prefix(n * per)), shape: [n] + sampleShape)
            try ImageGrid.write(first, to: path, nrow: 8, scale: sampleShape[1] <= 32 ? 2 : 1, text: text)
            return true
        }
        return false
    }

    /// A grid with one row per class of class-major samples (`perClass` of each): the first 16 of
    /// each class, or a scatter plot for 2-D points. Returns whether it drew anything.
    static func writeClassRows(_ samples: Tensor, perClass: Int, classCount: Int, sampleShape: [Int], to path: String,
                               text: [PNGText]) throws -> Bool {
        guard !path.isEmpty else { return false }
        guard sampleShape.count == 3, sampleShape[0] == 1 || sampleShape[0] == 3 else {
            return try write(samples, sampleShape: sampleShape, to: path, text: text)
        }
        let shown = min(perClass, 16), per = samples.count / samples.shape[0], values = samples.scalars
        var picked = [Float]()
        picked.reserveCapacity(classCount * shown * per)
        for c in 0..<classCount {
            let first = c * perClass
            picked += values[(first * per)..<((first + shown) * per)]
        }
        try ImageGrid.write(Tensor(picked, shape: [classCount * shown] + sampleShape), to: path, nrow: shown,
                            scale: sampleShape[1] <= 32 ? 2 : 1, text: text)
        return true
    }

    /// A symmetric axis half-width covering the bulk of the points: 1.2 × the 99.5th percentile of
    /// |coordinate| (outliers do not shrink the picture), rounded up to a half unit.
    static func extent(_ points: Tensor) -> Float {
        let values = points.scalars.filter(\.isFinite).map { Swift.abs($0) }.sorted()
        guard let top = values.isEmpty ? nil : values[min(values.count - 1, Int(Double(values.count) * 0.995))] else { return 4 }
        return max(1, (top * 1.2 * 2).rounded(.up) / 2)
    }
}
