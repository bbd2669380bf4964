import Foundation

/// Fashion-MNIST (Xiao, Rasul & Vollgraf 2017): 28×28 grayscale clothing
/// images in 10 classes, 60,000 for training and 10,000 for testing.
///
/// Debian's `dataset-fashion-mnist` package installs the gzip IDX files in
/// `/usr/share/datasets/fashion-mnist/`; uncompressed copies (same names
/// without `.gz`) are accepted too. A missing file is reported with the
/// apt command that installs the package.
public struct FashionMNIST: Sendable {
    /// Where the Debian package puts the files.
    public static let defaultDirectory = "/usr/share/datasets/fashion-mnist"
    /// The Debian package that provides them.
    public static let debianPackage = "dataset-fashion-mnist"
    /// Class names, by label.
    public static let classNames = ["T-shirt/top", "Trouser", "Pullover", "Dress", "Coat",
                                    "Sandal", "Shirt", "Sneaker", "Bag", "Ankle boot"]

    public enum Split: String, Codable, Sendable, CaseIterable {
        case train
        case test

        /// File name prefix ("train", "t10k").
        var prefix: String { self == .train ? "train" : "t10k" }
    }

    /// `[N, 28, 28]` pixels, 0 (background) to 255.
    public let images: IDXArray
    /// `N` labels in 0...9.
    public let labels: [UInt8]

    /// Number of examples.
    public var count: Int { labels.count }

    /// Loads one split and checks that images and labels agree.
    public static func load(_ split: Split, directory: String = defaultDirectory) throws -> FashionMNIST {
        let imagesPath = try locate("\(split.prefix)-images-idx3-ubyte", in: directory)
        let labelsPath = try locate("\(split.prefix)-labels-idx1-ubyte", in: directory)
        let images = try IDX.readImages(imagesPath)
        let labels = try IDX.readLabels(labelsPath)
        guard images.shape.count == 3, images.shape[1] == 28, images.shape[2] == 28 else {
            throw DriftIOError.damaged(path: imagesPath, detail: "images of shape \(images.shape), expected [N, 28, 28]")
        }
        guard labels.shape[0] == images.shape[0] else {
            throw DriftIOError.damaged(path: labelsPath, detail: "\(labels.shape[0]) labels for \(images.shape[0]) images")
        }
        if let bad = labels.bytes.first(where: { $0 > 9 }) {
            throw DriftIOError.damaged(path: labelsPath, detail: "label \(bad) outside 0...9")
        }
        return FashionMNIST(images: images, labels: labels.bytes)
    }

    /// `<name>.gz` or `<name>` in `directory`, else `datasetNotInstalled`.
    static func locate(_ name: String, in directory: String) throws -> String {
        for candidate in [directory + "/" + name + ".gz", directory + "/" + name]
        where FileManager.default.fileExists(atPath: candidate) {
            return candidate
        }
        throw DriftIOError.datasetNotInstalled(path: directory + "/" + name + ".gz", package: debianPackage)
    }
}
