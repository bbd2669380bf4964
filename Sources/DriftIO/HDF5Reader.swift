import CHDF5
import Foundation

/// Reads an HDF5 file written by `HDF5Writer`, h5py or any HDF5 tool.
///
/// Opening checks, in order: the path is a readable regular file, it is not
/// empty, its whole-file seal matches if it has one (Drift's own files, see
/// `HDF5Seal`), it carries the HDF5 signature (`H5Fis_hdf5`), and libhdf5 can
/// open it read-only. Each failure is one `DriftIOError` (`fileNotFound`,
/// `isDirectory`, `wrongFormat`, `damaged`, `fileChecksumMismatch`, `locked`,
/// `unsupportedVersion`). Reading a dataset
/// checks its element type and (optionally) its shape before allocating,
/// rejects sizes the file cannot hold, and verifies the `crc32` attribute
/// according to `checksums`. libhdf5 detects damaged metadata but not flipped
/// bits in raw data; the CRC catches those.
public final class HDF5Reader {
    /// How dataset checksums are treated.
    public enum ChecksumPolicy: Sendable {
        /// Every dataset must have a `crc32` attribute that matches (Drift's own files).
        case required
        /// Verify when present; accept datasets without one (files written by h5py).
        case ifPresent
        /// Do not verify.
        case skip
    }

    /// The file being read.
    public let path: String
    /// Checksum treatment for subsequent reads.
    public var checksums: ChecksumPolicy
    let file: H5Handle
    /// Size of the file in bytes when opened (bounds the plausible dataset sizes).
    let fileSize: Int
    var fileID: hid_t { file.id }
    /// True when the file carries a Drift seal that matched on opening.
    public let isSealed: Bool

    /// Opens `path` read-only.
    ///
    /// - Parameters:
    ///   - checksums: how the per-dataset `crc32` attributes are checked.
    ///   - checkSeal: verify the whole-file CRC of Drift files before libhdf5
    ///     parses them (`false` only to salvage the intact datasets of a
    ///     damaged file: libhdf5 may then crash on corrupt metadata).
    public init(path: String, checksums: ChecksumPolicy = .ifPresent, checkSeal: Bool = true) throws {
        self.path = path
        self.checksums = checksums
        // The seal is checked by path and libhdf5 opens by path: if a writer renames a new file into
        // place in between, the two would see different files. Retry until both saw the same inode.
        var attempt = 0
        while true {
            let before = Self.inode(path)
            let size = try FileCheck.readableFile(path)
            guard size > 0 else { throw DriftIOError.wrongFormat(path: path, format: "HDF5", detail: "empty file") }
            let sealed = checkSeal ? try HDF5Seal.check(path, size: size) == .intact : false
            let handle: H5Handle = try HDF5Library.locked {
                let isHDF5 = H5Fis_hdf5(path)
                if isHDF5 == 0 { throw DriftIOError.wrongFormat(path: path, format: "HDF5", detail: "") }
                if isHDF5 < 0 { throw HDF5Library.openError(path: path, stack: HDF5Library.errorStack()) }
                let id = H5Fopen(path, drift_H5F_ACC_RDONLY(), hid_t(H5P_DEFAULT))
                guard id >= 0 else { throw HDF5Library.openError(path: path, stack: HDF5Library.errorStack()) }
                return .file(id)
            }
            attempt += 1
            if before == Self.inode(path) || attempt >= 10 {
                (fileSize, isSealed, file) = (size, sealed, handle)
                return
            }
            handle.close()
        }
    }

    /// (device, inode) of `path`, nil when it cannot be read.
    private static func inode(_ path: String) -> [UInt64]? {
        var st = stat()
        return stat(path, &st) == 0 ? [UInt64(st.st_dev), UInt64(st.st_ino)] : nil
    }

    /// Releases the file (also done on deinit).
    public func close() { file.close() }

    // MARK: - Structure

    /// Absolute paths of all groups below `root` (not `root` itself), sorted.
    public func groups(under root: String = "/") throws -> [String] {
        try walk(root).filter { $0.isGroup }.map(\.path)
    }

    /// Absolute paths of all datasets below `root`, sorted.
    public func datasets(under root: String = "/") throws -> [String] {
        try walk(root).filter { !$0.isGroup }.map(\.path)
    }

    /// True if a group or dataset exists at `object`.
    public func contains(_ object: String) -> Bool {
        HDF5Library.locked {
            let c = hdf5Components(object)
            return c.isEmpty || HDF5Writer.linkExists(file.id, c) && H5Oexists_by_name(file.id, hdf5Normalized(object), hid_t(H5P_DEFAULT)) > 0
        }
    }

    /// Shape and stored element type of a dataset.
    public func info(_ dataset: String) throws -> HDF5DatasetInfo {
        let ds = try openDataset(dataset)
        return try HDF5Library.locked { try describe(ds.id, name: hdf5Normalized(dataset)).info }
    }

    // MARK: - Datasets

    /// Reads a dataset as `T` (see `HDF5Element.accepts` for the allowed stored types).
    public func read<T: HDF5Element>(_ dataset: String, as type: T.Type, shape expected: [Int]? = nil) throws -> HDF5Array<T> {
        let ds = try openDataset(dataset)
        return try HDF5Library.locked {
            let name = hdf5Normalized(dataset)
            let d = try describe(ds.id, name: name)
            try check(d.info, as: T.self, expected: expected, name: name)
            let count = d.info.count
            let zero = UnsafeMutableRawPointer.allocate(byteCount: MemoryLayout<T>.stride, alignment: 16)
            defer { zero.deallocate() }
            zero.initializeMemory(as: UInt8.self, repeating: 0, count: MemoryLayout<T>.stride)
            var values = [T](repeating: zero.load(as: T.self), count: count)
            try values.withUnsafeMutableBytes { try readElements(ds.id, d, into: $0, as: T.self, name: name) }
            return HDF5Array(values: values, shape: d.info.shape)
        }
    }

    // MARK: - Attributes

    /// Names of the attributes of `object` (a group or dataset), sorted.
    public func attributeNames(of object: String = "/") throws -> [String] {
        let obj = try openObject(object)
        return HDF5Library.locked {
            final class Names { var list: [String] = [] }
            let names = Names()
            var idx: hsize_t = 0
            let unmanaged = Unmanaged.passRetained(names)
            defer { unmanaged.release() }
            H5Aiterate2(obj.id, H5_INDEX_NAME, H5_ITER_INC, &idx, { _, name, _, ctx in
                guard let name, let ctx else { return 0 }
                Unmanaged<Names>.fromOpaque(ctx).takeUnretainedValue().list.append(String(cString: name))
                return 0
            }, unmanaged.toOpaque())
            HDF5Library.errorStack()
            return names.list.sorted()
        }
    }

    /// The value of attribute `name` on `object`.
    public func attribute(_ name: String, of object: String = "/") throws -> HDF5AttributeValue {
        let obj = try openObject(object)
        let where_ = "attribute \(name) of \(hdf5Normalized(object))"
        return try HDF5Library.locked {
            guard H5Aexists(obj.id, name) > 0 else { throw DriftIOError.missing(path: path, object: where_) }
            let attr = H5Handle.attribute(H5Aopen(obj.id, name, hid_t(H5P_DEFAULT)))
            guard attr.id >= 0 else { throw HDF5Library.unreadable(path: path, object: where_, stack: HDF5Library.errorStack()) }
            switch HDF5AttributeIO.read(attr.id) {
            case .success(let v): return v
            case .failure(.damaged(let d)): throw HDF5Library.unreadable(path: path, object: where_, stack: d)
            case .failure(.unsupported(let t)):
                throw DriftIOError.mismatch(path: path, object: where_, detail: "unsupported attribute type \(t)")
            }
        }
    }

    /// A string attribute (throws `mismatch` for other types).
    public func string(_ name: String, of object: String = "/") throws -> String {
        let v = try attribute(name, of: object)
        guard case .string(let s) = v else { throw typeMismatch(name, object, "string", v) }
        return s
    }

    /// An integer attribute.
    public func int64(_ name: String, of object: String = "/") throws -> Int64 {
        let v = try attribute(name, of: object)
        guard case .int64(let i) = v else { throw typeMismatch(name, object, "int64", v) }
        return i
    }

    /// A floating-point attribute (integers are converted).
    public func double(_ name: String, of object: String = "/") throws -> Double {
        let v = try attribute(name, of: object)
        switch v {
        case .double(let d): return d
        case .int64(let i): return Double(i)
        default: throw typeMismatch(name, object, "float64", v)
        }
    }

    private func typeMismatch(_ name: String, _ object: String, _ wanted: String, _ got: HDF5AttributeValue) -> DriftIOError {
        .mismatch(path: path, object: "attribute \(name) of \(hdf5Normalized(object))",
                  detail: "expected \(wanted), found \(got.kindDescription)")
    }
}
