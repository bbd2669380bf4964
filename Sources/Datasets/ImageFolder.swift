import DriftIO
import Foundation
import TensorCore
import TensorIO

/// A folder of PNG images as an example set (the user's own data): every
/// `*.png` directly inside the folder, sorted by name, scaled to cover
/// `imageSize`² (area filter when shrinking, bilinear when enlarging) and
/// centre-cropped, converted to grey or RGB, scaled to [−1, 1]. Labels: none — unless the folder
/// holds no PNG itself but sub-folders of PNGs, the usual image-folder layout (`cats/…png`,
/// `dogs/…png`): then each sub-folder is a class, classes sorted by name, label = index.
///
/// With `resize: false` every image must already be `imageSize`² and of the colour asked for (gray
/// or gray + alpha for `.gray`, RGB or RGBA for `.rgb`; alpha is dropped): reference images that are
/// to be compared with a model's samples as they are.
public enum ImageFolder {
    public static func load(_ folder: String, imageSize: Int, color: ImageColor, resize: Bool = true) throws -> ExampleSet {
        let (files, labels, classNames) = try listing(folder)
        let channels = color.channels, per = channels * imageSize * imageSize
        var values = [Float](repeating: 0, count: files.count * per)
        for (i, path) in files.enumerated() {
            let image: PixelImage
            if resize {
                image = try PixelImage.readPNG(path, channels: color == .gray ? .gray : .rgb).resizedToFill(width: imageSize, height: imageSize)
            } else {
                let native = try PixelImage.readPNG(path)
                let nativeChannels = native.channels >= 3 ? 3 : 1
                guard native.width == imageSize, native.height == imageSize, nativeChannels == channels else {
                    throw DataError.wrongShape("folder:\(folder): \((path as NSString).lastPathComponent) is "
                                               + "\(nativeChannels)×\(native.height)×\(native.width), not \(channels)×\(imageSize)×\(imageSize)")
                }
                image = native.converted(toChannels: channels)
            }
            let t = image.tensor(range: -1...1)
            t.withUnsafeBufferPointer { src in
                for j in 0..<per { values[i * per + j] = src[j] }
            }
        }
        return ExampleSet(values: Tensor(values, shape: [files.count, channels, imageSize, imageSize]),
                          labels: labels, classNames: classNames)
    }

    /// The PNG files of `folder` in load order, with their labels and the class names when the
    /// images sit in class sub-folders.
    public static func listing(_ folder: String) throws -> (files: [String], labels: [Int]?, classNames: [String]?) {
        var isDir: ObjCBool = false
        guard FileManager.default.fileExists(atPath: folder, isDirectory: &isDir) else {
            throw DataError.unreadable("folder:\(folder): no such folder")
        }
        guard isDir.boolValue else { throw DataError.unreadable("folder:\(folder) is a file; give the folder that holds the PNG images") }
        let names: [String]
        do { names = try FileManager.default.contentsOfDirectory(atPath: folder) } catch {
            throw DataError.unreadable("folder:\(folder): cannot list it (\(DriftIOError.reason(error)))")
        }
        let pngs = names.filter { $0.lowercased().hasSuffix(".png") }.sorted()
        var files = pngs.map { (folder as NSString).appendingPathComponent($0) }
        var labels: [Int]?, classNames: [String]?
        if files.isEmpty {
            // One sub-folder per class.
            var classes: [(String, [String])] = []
            for name in names.sorted() {
                let sub = (folder as NSString).appendingPathComponent(name)
                var isSub: ObjCBool = false
                guard FileManager.default.fileExists(atPath: sub, isDirectory: &isSub), isSub.boolValue,
                      let inside = try? FileManager.default.contentsOfDirectory(atPath: sub) else { continue }
                let images = inside.filter { $0.lowercased().hasSuffix(".png") }.sorted()
                if !images.isEmpty { classes.append((name, images.map { (sub as NSString).appendingPathComponent($0) })) }
            }
            guard !classes.isEmpty else {
                throw DataError.unreadable("folder:\(folder) holds no .png images (neither directly nor in class sub-folders)")
            }
            files = classes.flatMap(\.1)
            labels = classes.enumerated().flatMap { c, entry in [Int](repeating: c, count: entry.1.count) }
            classNames = classes.map(\.0)
        }
        return (files, labels, classNames)
    }
}
