import DriftIO
import Foundation
import TensorCore

/// Fashion-MNIST (Xiao et al. 2017): 60,000 training and 10,000 test images,
/// 28×28 grey-scale, 10 classes, as installed by Debian's `dataset-fashion-mnist`
/// package (gzip IDX files under /usr/share/datasets/fashion-mnist/).
public enum FashionMNIST {
    public enum Split: String, Codable, CaseIterable, Sendable { case train, test }

    /// Where Debian installs the files.
    public static let defaultFolder = "/usr/share/datasets/fashion-mnist"
    /// The Debian package that provides them.
    public static let debianPackage = "dataset-fashion-mnist"

    /// File names of a split's images and labels.
    public static func files(_ split: Split) -> (images: String, labels: String) {
        let prefix = split == .train ? "train" : "t10k"
        return (prefix + "-images-idx3-ubyte.gz", prefix + "-labels-idx1-ubyte.gz")
    }
}

extension FashionMNIST {
    /// Loads a split as images [N, 1, 28, 28] in [−1, 1] (x/127.5 − 1) with labels.
    public static func load(_ split: Split, folder: String = defaultFolder) throws -> ExampleSet {
        throw TrainingError.data("fashion-mnist: not available yet")
    }
}
