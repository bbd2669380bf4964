import DriftIO
import Foundation
import TensorCore
import TensorIO

/// Which part of a dataset with a fixed split (Fashion-MNIST: 60,000 train, 10,000 test).
public enum DataSplit: String, Codable, CaseIterable, Sendable { case train, test }

extension ExampleSet {
    /// The environment variable that points Drift at Fashion-MNIST files outside the Debian location.
    public static let fashionMNISTVariable = "DRIFT_FASHION_MNIST"

    /// Fashion-MNIST (Xiao et al. 2017) as images [N, 1, 28, 28] in [−1, 1] (x/127.5 − 1) with
    /// labels 0…9, from Debian's `dataset-fashion-mnist` files (or `$DRIFT_FASHION_MNIST`).
    /// - Throws: `DriftIOError.datasetNotInstalled` (naming the package) or a damaged-file error.
    public static func fashionMNIST(_ split: DataSplit, directory: String? = nil) throws -> ExampleSet {
        let folder = directory ?? ProcessInfo.processInfo.environment[fashionMNISTVariable] ?? FashionMNIST.defaultDirectory
        let data = try FashionMNIST.load(split == .train ? .train : .test, directory: folder)
        return ExampleSet(values: data.imageTensor(range: -1...1), labels: data.labels.map(Int.init), classNames: FashionMNIST.classNames)
    }
}
