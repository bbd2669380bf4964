import DriftIO
import Foundation
import TensorCore

/// A folder of PNG images as an example set (the user's own data): every
/// `*.png` directly inside the folder, sorted by name, centre-cropped to a
/// square, resized to `imageSize`², converted to grey or RGB, scaled to [−1, 1].
public enum ImageFolder {
    public static func load(_ folder: String, imageSize: Int, color: ImageColor) throws -> ExampleSet {
        throw TrainingError.data("folder:\(folder): PNG folders are not available yet")
    }
}
