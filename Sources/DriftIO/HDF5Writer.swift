import CHDF5
import Foundation

/// Writes an HDF5 file atomically: groups, datasets with a CRC32 each, attributes.
///
/// The file is built in `<name>.tmp.<pid>` next to the final path (see
/// `AtomicFile`); only `commit()` (flush, close, seal, fsync, rename) makes it
/// appear at `path`. A writer that is dropped or fails before `commit()`
/// deletes its temporary file, so the final path always holds either the
/// previous complete file or the new one.
///
/// Datasets are contiguous little-endian arrays (float32, float64, int64,
/// uint8) of any rank; each carries a `crc32` attribute (uint32, zlib CRC-32
/// of the raw little-endian element bytes) that `HDF5Reader` verifies.
/// The whole file is sealed with a CRC-32 in its 512-byte user block (see
/// `HDF5Seal`), checked before libhdf5 parses it. Intermediate groups are created on demand. Names may contain '.'
/// (`/parameters/down.0.res.conv1.weight`), never '/' inside a component.
///
///     try HDF5Writer.write(to: "run/ckpt.h5") { w in
///         try w.setAttribute("format", .string("drift-checkpoint"))
///         try w.write(weights, shape: [4, 2], to: "/parameters/fc.weight")
///     }
public final class HDF5Writer {
    /// The final path of the file.
    public let path: String
    private let atomic: AtomicFile
    private var file: H5Handle?

    /// Creates the temporary file; throws `cannotWrite` if the folder is missing or not writable.
    public init(path: String) throws {
        self.path = path
        atomic = try AtomicFile(path: path)
        let tmp = atomic.temporaryPath
        let id = HDF5Library.locked {
            let fcpl = H5Handle.plist(H5Pcreate(drift_H5P_FILE_CREATE()))
            H5Pset_userblock(fcpl.id, hsize_t(HDF5Seal.userBlockSize))
            return H5Fcreate(tmp, drift_H5F_ACC_TRUNC(), fcpl.id, hid_t(H5P_DEFAULT))
        }
        guard id >= 0 else {
            let stack = HDF5Library.locked { HDF5Library.errorStack() }
            atomic.abandon()
            throw DriftIOError.cannotWrite(path: path, detail: stack)
        }
        file = .file(id)
    }

    deinit { abandon() }

    /// Writes `body`'s datasets and attributes, then commits; on any error
    /// the temporary file is removed and the final path is untouched.
    public static func write(to path: String, _ body: (HDF5Writer) throws -> Void) throws {
        let writer = try HDF5Writer(path: path)
        do { try body(writer) } catch { writer.abandon(); throw error }
        try writer.commit()
    }

    /// Flushes and closes the file, seals it, fsyncs it and renames it to `path`.
    public func commit() throws {
        guard let file else { preconditionFailure("HDF5Writer.commit: \(path) already committed or abandoned") }
        let ok = HDF5Library.locked { H5Fflush(file.id, H5F_SCOPE_GLOBAL) >= 0 && file.close() }
        self.file = nil
        guard ok else {
            let stack = HDF5Library.locked { HDF5Library.errorStack() }
            atomic.abandon()
            throw DriftIOError.cannotWrite(path: path, detail: stack)
        }
        do { try HDF5Seal.seal(atomic.temporaryPath) } catch { atomic.abandon(); throw error }
        try atomic.commit()
    }

    /// Closes and deletes the temporary file without touching `path`.
    public func abandon() {
        file?.close()
        file = nil
        atomic.abandon()
    }

    /// Creates the group at `group` (and its parents) if it does not exist.
    public func createGroup(_ group: String) throws {
        _ = try openGroup(hdf5Components(group))
    }

    /// Writes `values` (row-major) as a dataset of `shape` in `T`'s stored type (rank 0 → scalar dataset).
    public func write<T: HDF5Element>(_ values: UnsafeBufferPointer<T>, shape: [Int], to dataset: String) throws {
        precondition(values.count == shape.reduce(1, *),
                     "HDF5Writer.write: \(values.count) values do not fill shape \(shape) for \(dataset)")
        try writeRaw(UnsafeRawBufferPointer(values), shape: shape, fileType: T.hdf5FileType, memoryType: T.hdf5MemoryType, to: dataset)
    }

    /// Writes `values` (row-major) as a dataset of `shape` in `T`'s stored type.
    public func write<T: HDF5Element>(_ values: [T], shape: [Int], to dataset: String) throws {
        try values.withUnsafeBufferPointer { try write($0, shape: shape, to: dataset) }
    }

    /// Writes a 1-D dataset.
    public func write<T: HDF5Element>(_ values: [T], to dataset: String) throws {
        try write(values, shape: [values.count], to: dataset)
    }

    /// Sets attribute `name` on the group or dataset `object` (created as a group if missing).
    public func setAttribute(_ name: String, _ value: HDF5AttributeValue, on object: String = "/") throws {
        let fileID = try openFile()
        try HDF5Library.locked {
            let components = hdf5Components(object)
            let exists = components.isEmpty || Self.linkExists(fileID, components)
            if !exists { _ = try openGroup(components) }
            let obj = H5Handle.object(H5Oopen(fileID, hdf5Normalized(object), hid_t(H5P_DEFAULT)))
            guard obj.id >= 0, HDF5AttributeIO.write(value, name: name, on: obj.id) else {
                throw DriftIOError.cannotWrite(path: path, detail: "attribute \(name) on \(hdf5Normalized(object)): \(HDF5Library.errorStack())")
            }
        }
    }

    // MARK: - Internals

    private func openFile() throws -> hid_t {
        guard let file else { preconditionFailure("HDF5Writer: \(path) already committed or abandoned") }
        return file.id
    }

    /// True if every component of the path exists as a link.
    static func linkExists(_ loc: hid_t, _ components: [String]) -> Bool {
        var prefix = ""
        for c in components {
            prefix += "/" + c
            if H5Lexists(loc, prefix, hid_t(H5P_DEFAULT)) <= 0 { return false }
        }
        return true
    }

    /// Opens the group at `components`, creating missing ones.
    private func openGroup(_ components: [String]) throws -> H5Handle {
        let fileID = try openFile()
        return try HDF5Library.locked {
            var current = H5Handle.group(H5Gopen2(fileID, "/", hid_t(H5P_DEFAULT)))
            var prefix = ""
            for c in components {
                prefix += "/" + c
                let id: hid_t
                if H5Lexists(current.id, c, hid_t(H5P_DEFAULT)) > 0 {
                    id = H5Gopen2(current.id, c, hid_t(H5P_DEFAULT))
                } else {
                    id = H5Gcreate2(current.id, c, hid_t(H5P_DEFAULT), hid_t(H5P_DEFAULT), hid_t(H5P_DEFAULT))
                }
                guard id >= 0 else {
                    throw DriftIOError.cannotWrite(path: path, detail: "group \(prefix): \(HDF5Library.errorStack())")
                }
                current = .group(id)
            }
            return current
        }
    }

    private func writeRaw(_ bytes: UnsafeRawBufferPointer, shape: [Int], fileType: hid_t, memoryType: hid_t, to dataset: String) throws {
        var components = hdf5Components(dataset)
        guard let name = components.popLast() else {
            throw DriftIOError.invalidArgument("HDF5Writer.write: dataset path '\(dataset)' has no name")
        }
        let group = try openGroup(components)
        let full = hdf5Normalized(dataset)
        try HDF5Library.locked {
            guard H5Lexists(group.id, name, hid_t(H5P_DEFAULT)) <= 0 else {
                throw DriftIOError.invalidArgument("HDF5Writer.write: \(full) already exists in \(path)")
            }
            var dims = shape.map { hsize_t($0) }
            let space = H5Handle.dataspace(shape.isEmpty ? H5Screate(H5S_SCALAR) : H5Screate_simple(Int32(shape.count), &dims, nil))
            let ds = H5Handle.dataset(H5Dcreate2(group.id, name, fileType, space.id,
                                                 hid_t(H5P_DEFAULT), hid_t(H5P_DEFAULT), hid_t(H5P_DEFAULT)))
            guard space.id >= 0, ds.id >= 0,
                  bytes.isEmpty || H5Dwrite(ds.id, memoryType, drift_H5S_ALL(), drift_H5S_ALL(), hid_t(H5P_DEFAULT), bytes.baseAddress) >= 0,
                  HDF5AttributeIO.writeChecksum(CRC32.checksum(bytes), on: ds.id)
            else {
                throw DriftIOError.cannotWrite(path: path, detail: "dataset \(full): \(HDF5Library.errorStack())")
            }
        }
    }
}
