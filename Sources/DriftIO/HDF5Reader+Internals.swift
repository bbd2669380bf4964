import CHDF5
import Foundation

/// Structure walking, dataset description and the checked read path.
extension HDF5Reader {
    struct Entry { var path: String; var isGroup: Bool }

    /// What `describe` learns about a dataset before any data are read.
    struct Described {
        var info: HDF5DatasetInfo
        /// Native in-memory equivalent of the stored type (closed with the struct).
        var native: H5Handle
        var elementSize: Int
    }

    /// Every group and dataset below `root`, depth first, sorted by path.
    /// Depth is capped at 64 and the count at one million (a damaged file
    /// could otherwise describe cycles).
    func walk(_ root: String) throws -> [Entry] {
        let rootPath = hdf5Normalized(root)
        let start = try openObject(root)
        return try HDF5Library.locked {
            guard H5Iget_type(start.id) == H5I_GROUP else {
                throw DriftIOError.mismatch(path: path, object: rootPath, detail: "is a dataset, not a group")
            }
            var out: [Entry] = []
            func visit(_ group: hid_t, _ prefix: String, depth: Int) throws {
                guard depth < 64, out.count < 1_000_000 else {
                    throw DriftIOError.damaged(path: path, detail: "group nesting too deep at \(prefix)")
                }
                var ginfo = H5G_info_t()
                guard H5Gget_info(group, &ginfo) >= 0 else {
                    throw HDF5Library.unreadable(path: path, object: "group \(prefix.isEmpty ? "/" : prefix)", stack: HDF5Library.errorStack())
                }
                for i in 0..<ginfo.nlinks {
                    let len = H5Lget_name_by_idx(group, ".", H5_INDEX_NAME, H5_ITER_INC, i, nil, 0, hid_t(H5P_DEFAULT))
                    guard len >= 0, len < 65536 else { continue }
                    var buf = [CChar](repeating: 0, count: Int(len) + 1)
                    H5Lget_name_by_idx(group, ".", H5_INDEX_NAME, H5_ITER_INC, i, &buf, buf.count, hid_t(H5P_DEFAULT))
                    let name = String(nulTerminated: buf)
                    let full = prefix + "/" + name
                    let child = H5Handle.object(H5Oopen(group, name, hid_t(H5P_DEFAULT)))
                    guard child.id >= 0 else {
                        let stack = HDF5Library.errorStack()
                        var link = H5L_info_t()
                        if H5Lget_info(group, name, &link, hid_t(H5P_DEFAULT)) >= 0, link.type != H5L_TYPE_HARD {
                            HDF5Library.errorStack()
                            continue   // dangling soft or external link: not part of this file
                        }
                        throw HDF5Library.unreadable(path: path, object: full, stack: stack)
                    }
                    switch H5Iget_type(child.id) {
                    case H5I_GROUP:
                        out.append(Entry(path: full, isGroup: true))
                        try visit(child.id, full, depth: depth + 1)
                    case H5I_DATASET:
                        out.append(Entry(path: full, isGroup: false))
                    default: break
                    }
                }
            }
            try visit(start.id, rootPath == "/" ? "" : rootPath, depth: 0)
            return out.sorted { $0.path < $1.path }
        }
    }

    /// Opens any object (group or dataset); `missing` if a component does not exist.
    func openObject(_ object: String) throws -> H5Handle {
        let name = hdf5Normalized(object)
        return try HDF5Library.locked {
            guard contains(name) else { throw DriftIOError.missing(path: path, object: name) }
            let obj = H5Handle.object(H5Oopen(fileID, name, hid_t(H5P_DEFAULT)))
            guard obj.id >= 0 else { throw HDF5Library.unreadable(path: path, object: name, stack: HDF5Library.errorStack()) }
            return obj
        }
    }

    /// Opens a dataset; `missing` if absent, `mismatch` if it is a group.
    func openDataset(_ dataset: String) throws -> H5Handle {
        let name = hdf5Normalized(dataset)
        return try HDF5Library.locked {
            guard contains(name) else { throw DriftIOError.missing(path: path, object: "dataset \(name)") }
            let obj = try openObject(name)
            guard H5Iget_type(obj.id) == H5I_DATASET else {
                throw DriftIOError.mismatch(path: path, object: name, detail: "is a group, not a dataset")
            }
            let ds = H5Handle.dataset(H5Dopen2(fileID, name, hid_t(H5P_DEFAULT)))
            guard ds.id >= 0 else { throw HDF5Library.unreadable(path: path, object: "dataset \(name)", stack: HDF5Library.errorStack()) }
            return ds
        }
    }

    /// Shape, type and a plausibility check of the stored size against the file.
    func describe(_ ds: hid_t, name: String) throws -> Described {
        func damaged(_ what: String) -> DriftIOError { .damaged(path: path, detail: "dataset \(name): \(what)") }
        let ftype = H5Handle.datatype(H5Dget_type(ds))
        let space = H5Handle.dataspace(H5Dget_space(ds))
        guard ftype.id >= 0, space.id >= 0 else { throw damaged(HDF5Library.errorStack()) }
        let rank = H5Sget_simple_extent_ndims(space.id)
        guard rank >= 0, rank <= 32 else { throw damaged("bad dataspace") }
        var dims = [hsize_t](repeating: 0, count: Int(rank))
        if rank > 0 { guard H5Sget_simple_extent_dims(space.id, &dims, nil) >= 0 else { throw damaged(HDF5Library.errorStack()) } }
        if H5Sget_simple_extent_type(space.id) == H5S_NULL { throw damaged("has no dataspace (null)") }
        var count = 1
        for d in dims {
            guard d <= UInt64(Int.max) else { throw damaged("dimension \(d) too large") }
            let (p, overflow) = count.multipliedReportingOverflow(by: Int(d))
            guard !overflow else { throw damaged("element count overflows") }
            count = p
        }
        let dtype = HDF5DataType.of(ftype.id)
        let native = H5Handle.datatype(H5Tget_native_type(ftype.id, H5T_DIR_ASCEND))
        guard native.id >= 0 else { throw damaged("unsupported element type \(dtype): \(HDF5Library.errorStack())") }
        let size = Int(H5Tget_size(native.id))
        let (bytes, overflow) = count.multipliedReportingOverflow(by: max(size, 1))
        guard !overflow, UInt64(bytes) <= ProcessInfo.processInfo.physicalMemory else {
            throw damaged("claims \(count) elements, more than memory can hold")
        }
        let dcpl = H5Handle.plist(H5Dget_create_plist(ds))
        if dcpl.id >= 0, H5Pget_layout(dcpl.id) == H5D_CONTIGUOUS, dtype.isNumeric {
            try checkContiguous(ds, bytes: bytes, damaged: damaged)
        }
        HDF5Library.errorStack()
        return Described(info: HDF5DatasetInfo(shape: dims.map { Int($0) }, dataType: dtype), native: native, elementSize: size)
    }

    /// A contiguous numeric dataset occupies exactly its element bytes, inside the file.
    private func checkContiguous(_ ds: hid_t, bytes: Int, damaged: (String) -> DriftIOError) throws {
        let stored = Int(H5Dget_storage_size(ds))
        if stored != 0 && stored != bytes { throw damaged("stores \(stored) bytes for \(bytes) bytes of data") }
        let offset = UInt64(H5Dget_offset(ds))
        if stored != 0, offset != UInt64(haddr_t.max), offset > UInt64(fileSize) || UInt64(fileSize) - offset < UInt64(bytes) {
            throw damaged("data extend past the end of the file (\(fileSize) bytes)")
        }
    }

    /// Element type and expected shape checks, before anything is allocated.
    func check<T: HDF5Element>(_ info: HDF5DatasetInfo, as type: T.Type, expected: [Int]?, name: String) throws {
        guard T.accepts(info.dataType) else {
            throw DriftIOError.mismatch(path: path, object: "dataset \(name)",
                                        detail: "stored as \(info.dataType), cannot be read as \(T.hdf5DataType)")
        }
        if let expected, expected != info.shape {
            throw DriftIOError.mismatch(path: path, object: "dataset \(name)",
                                        detail: "shape \(info.shape), expected \(expected)")
        }
    }

    /// Reads all elements into `out` (count × stride of `T`), verifying the checksum.
    ///
    /// When the stored type's native form equals `T`, libhdf5 reads straight
    /// into `out`; otherwise the stored elements are read into a scratch buffer
    /// (where the CRC is computed) and converted with `H5Tconvert`.
    func readElements<T: HDF5Element>(_ ds: hid_t, _ d: Described, into out: UnsafeMutableRawBufferPointer,
                                      as type: T.Type, name: String) throws {
        let count = d.info.count
        let storedBytes = count * d.elementSize
        var crc: UInt32 = 0
        if count > 0 {
            if H5Tequal(d.native.id, T.hdf5MemoryType) > 0 {
                guard H5Dread(ds, T.hdf5MemoryType, drift_H5S_ALL(), drift_H5S_ALL(), hid_t(H5P_DEFAULT), out.baseAddress) >= 0 else {
                    throw HDF5Library.unreadable(path: path, object: "dataset \(name)", stack: HDF5Library.errorStack())
                }
                crc = CRC32.checksum(UnsafeRawBufferPointer(rebasing: out[0..<storedBytes]))
            } else {
                let scratch = UnsafeMutableRawBufferPointer.allocate(byteCount: count * max(d.elementSize, MemoryLayout<T>.stride), alignment: 16)
                defer { scratch.deallocate() }
                guard H5Dread(ds, d.native.id, drift_H5S_ALL(), drift_H5S_ALL(), hid_t(H5P_DEFAULT), scratch.baseAddress) >= 0 else {
                    throw HDF5Library.unreadable(path: path, object: "dataset \(name)", stack: HDF5Library.errorStack())
                }
                crc = CRC32.checksum(UnsafeRawBufferPointer(rebasing: scratch[0..<storedBytes]))
                guard H5Tconvert(d.native.id, T.hdf5MemoryType, count, scratch.baseAddress, nil, hid_t(H5P_DEFAULT)) >= 0 else {
                    throw DriftIOError.mismatch(path: path, object: "dataset \(name)",
                                                detail: "cannot convert \(d.info.dataType) to \(T.hdf5DataType): \(HDF5Library.errorStack())")
                }
                out.copyMemory(from: UnsafeRawBufferPointer(rebasing: scratch[0..<(count * MemoryLayout<T>.stride)]))
            }
        }
        try verifyChecksum(ds, computed: crc, name: name)
    }

    private func verifyChecksum(_ ds: hid_t, computed: UInt32, name: String) throws {
        if checksums == .skip { return }
        guard H5Aexists(ds, "crc32") > 0 else {
            HDF5Library.errorStack()
            if checksums == .required {
                throw DriftIOError.damaged(path: path, detail: "dataset \(name) has no crc32 checksum attribute")
            }
            return
        }
        let attr = H5Handle.attribute(H5Aopen(ds, "crc32", hid_t(H5P_DEFAULT)))
        guard attr.id >= 0, case .success(.int64(let stored)) = HDF5AttributeIO.read(attr.id) else {
            throw DriftIOError.damaged(path: path, detail: "dataset \(name): unreadable crc32 attribute")
        }
        guard stored == Int64(computed) else { throw DriftIOError.checksumMismatch(path: path, dataset: name) }
    }
}
