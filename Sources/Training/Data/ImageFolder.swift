import DriftIO
import Foundation
import TensorCore

/// A folder of PNG images as an example set (the user's own data): every
/// `*.png` directly inside the folder, sorted by name, scaled to cover
/// `imageSize`² (area filter when shrinking, bilinear when enlarging) and
/// centre-cropped, converted to grey or RGB, scaled to [−1, 1]. Labels: none.
public enum ImageFolder {
    public static func load(_ folder: String, imageSize: Int, color: ImageColor) throws -> ExampleSet {
        var isDir: ObjCBool = false
        guard FileManager.default.fileExists(atPath: folder, isDirectory: &isDir) else {
            throw TrainingError.data("folder:\(folder): no such folder")
        }
        guard isDir.boolValue else { throw TrainingError.data("folder:\(folder) is a file; give the folder that holds the PNG images") }
        let names: [String]
        do { names = try FileManager.default.contentsOfDirectory(atPath: folder) } catch {
            throw TrainingError.data("folder:\(folder): cannot list it (\(RunFolder.reason(error)))")
        }
        let files = names.filter { $0.lowercased().hasSuffix(".png") }.sorted()
        guard !files.isEmpty else { throw TrainingError.data("folder:\(folder) holds no .png images") }
        let channels = color.channels, per = channels * imageSize * imageSize
        var values = [Float](repeating: 0, count: files.count * per)
        for (i, name) in files.enumerated() {
            let path = (folder as NSString).appendingPathComponent(name)
            let image = try PixelImage.readPNG(path, channels: color == .gray ? .gray : .rgb)
                .resizedToFill(width: imageSize, height: imageSize)
            let t = image.tensor(range: -1...1)
            t.withUnsafeBufferPointer { src in
                for j in 0..<per { values[i * per + j] = src[j] }
            }
        }
        return ExampleSet(values: Tensor(values, shape: [files.count, channels, imageSize, imageSize]))
    }
}
