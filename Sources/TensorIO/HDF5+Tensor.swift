import DriftIO
import TensorCore

extension HDF5Reader {
    /// Reads a float dataset (float32, or float64 rounded) as a tensor.
    /// If `shape` is given, the stored shape must equal it.
    public func readTensor(_ dataset: String, shape expected: [Int]? = nil) throws -> Tensor {
        let array = try read(dataset, as: Float.self, shape: expected)
        return Tensor(array.values, shape: array.shape)
    }
}

extension HDF5Writer {
    /// Writes a float32 dataset with the tensor's shape (rank 0 → scalar dataset).
    public func write(_ tensor: Tensor, to dataset: String) throws {
        try tensor.withUnsafeBufferPointer { try write($0, shape: tensor.shape, to: dataset) }
    }
}
