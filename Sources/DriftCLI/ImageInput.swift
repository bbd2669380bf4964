import DriftIO
import Foundation
import Plotting
import TensorCore
import TensorIO

/// PNG images given to the editing commands, checked against the model's sample shape.
enum ImageInput {
    /// The images as one batch [N, C, H, W] in [−1, 1].
    /// - Throws: one line when a file is missing, not a PNG, or of the wrong size or channel count.
    static func read(_ paths: [String], sampleShape: [Int], flag: String) throws -> Tensor {
        guard sampleShape.count == 3, sampleShape[0] == 1 || sampleShape[0] == 3 else {
            throw CLIError("\(flag): the model's samples have shape \(sampleShape), not grey or RGB images")
        }
        let (c, h, w) = (sampleShape[0], sampleShape[1], sampleShape[2])
        var values = [Float]()
        for path in paths {
            guard FileManager.default.fileExists(atPath: path) else { throw CLIError("\(flag): no such file '\(path)'") }
            let image: PixelImage
            do { image = try PixelImage.readPNG(path) } catch { throw CLIError("\(flag) \(path): \(CLIError(error).description)") }
            guard image.width == w, image.height == h else {
                throw CLIError("\(flag) \(path) is \(image.width)×\(image.height); the model takes \(w)×\(h) images")
            }
            let fileChannels = image.channels <= 2 ? 1 : 3
            guard fileChannels == c else {
                throw CLIError("\(flag) \(path) is \(fileChannels == 1 ? "grey" : "colour"); the model takes \(c == 1 ? "grey" : "RGB") images")
            }
            let converted = try PixelImage.readPNG(path, channels: c == 1 ? .gray : .rgb)
            values += converted.tensor(range: -1...1).scalars
        }
        return Tensor(values, shape: [paths.count] + sampleShape)
    }

    /// An inpainting mask for samples of `sampleShape` [C, H, W]: true where the pixel is kept
    /// (black, < 128 in grey), false where it is filled in (white), the same for every channel.
    /// - Throws: one line when the file is missing, not a PNG, or of another size than the images.
    static func readMask(_ path: String, sampleShape: [Int]) throws -> [Bool] {
        let (c, h, w) = (sampleShape[0], sampleShape[1], sampleShape[2])
        guard FileManager.default.fileExists(atPath: path) else { throw CLIError("--mask: no such file '\(path)'") }
        let image: PixelImage
        do { image = try PixelImage.readPNG(path, channels: .gray) } catch { throw CLIError("--mask \(path): \(CLIError(error).description)") }
        guard image.width == w, image.height == h else {
            throw CLIError("--mask \(path) is \(image.width)×\(image.height); the images are \(w)×\(h)")
        }
        let pixels = image.tensor(range: 0...255).scalars
        let kept = pixels.map { $0 < 128 }
        return (0..<c).flatMap { _ in kept }
    }

    /// Writes images [N, C, H, W] as one grid row per `perRow` images (pixels doubled below 64 px).
    static func writeGrid(_ images: Tensor, perRow: Int, to path: String, text: [PNGText]) throws {
        try ImageGrid.write(images, to: path, nrow: perRow, scale: images.shape[2] < 64 ? 2 : 1, text: text)
    }
}
