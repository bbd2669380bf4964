import CHDF5
import Foundation

/// The value of an HDF5 attribute.
///
/// Strings are stored as variable-length UTF-8 (h5py reads them as `str`, so
/// JSON configs round-trip as text); numbers as little-endian int64 / float64.
/// A scalar is stored with a scalar dataspace, an array with a 1-D one (an
/// empty array too), so the two stay distinguishable when read back.
public enum HDF5AttributeValue: Equatable, Sendable {
    case string(String)
    case int64(Int64)
    case double(Double)
    case strings([String])
    case int64s([Int64])
    case doubles([Double])

    /// Stored type and rank, for messages ("int64 scalar", "string array").
    public var kindDescription: String {
        switch self {
        case .string: return "string"
        case .int64: return "int64"
        case .double: return "float64"
        case .strings: return "string array"
        case .int64s: return "int64 array"
        case .doubles: return "float64 array"
        }
    }
}

/// Reading and writing attributes on an open object (all callers hold the library lock).
enum HDF5AttributeIO {
    /// A variable-length UTF-8 string type (caller closes it).
    static func vlenStringType() -> H5Handle {
        let t = H5Tcopy(drift_H5T_C_S1())
        H5Tset_size(t, drift_H5T_VARIABLE())
        H5Tset_cset(t, H5T_CSET_UTF8)
        return .datatype(t)
    }

    /// A dataspace: scalar when `count` is nil, else 1-D of `count` elements.
    static func space(count: Int?) -> H5Handle {
        guard let count else { return .dataspace(H5Screate(H5S_SCALAR)) }
        var dim = hsize_t(count)
        return .dataspace(H5Screate_simple(1, &dim, nil))
    }

    /// Creates (or replaces) attribute `name` on `object`; false on failure.
    static func write(_ value: HDF5AttributeValue, name: String, on object: hid_t) -> Bool {
        if H5Aexists(object, name) > 0 { H5Adelete(object, name) }
        switch value {
        case .string(let s): return writeStrings([s], scalar: true, name: name, on: object)
        case .strings(let s): return writeStrings(s, scalar: false, name: name, on: object)
        case .int64(let v): return writeNumbers([v], scalar: true, name: name, on: object)
        case .int64s(let v): return writeNumbers(v, scalar: false, name: name, on: object)
        case .double(let v): return writeNumbers([v], scalar: true, name: name, on: object)
        case .doubles(let v): return writeNumbers(v, scalar: false, name: name, on: object)
        }
    }

    static func writeNumbers<T: HDF5Element>(_ values: [T], scalar: Bool, name: String, on object: hid_t) -> Bool {
        let sp = space(count: scalar ? nil : values.count)
        let attr = H5Handle.attribute(H5Acreate2(object, name, T.hdf5FileType, sp.id, hid_t(H5P_DEFAULT), hid_t(H5P_DEFAULT)))
        guard attr.id >= 0 else { return false }
        if values.isEmpty { return true }
        return values.withUnsafeBytes { H5Awrite(attr.id, T.hdf5MemoryType, $0.baseAddress) } >= 0
    }

    /// The crc32 checksum attribute of a dataset (uint32 scalar).
    static func writeChecksum(_ crc: UInt32, on object: hid_t) -> Bool {
        let sp = space(count: nil)
        let attr = H5Handle.attribute(H5Acreate2(object, "crc32", drift_H5T_STD_U32LE(), sp.id, hid_t(H5P_DEFAULT), hid_t(H5P_DEFAULT)))
        guard attr.id >= 0 else { return false }
        var v = crc
        return H5Awrite(attr.id, drift_H5T_NATIVE_UINT32(), &v) >= 0
    }

    static func writeStrings(_ strings: [String], scalar: Bool, name: String, on object: hid_t) -> Bool {
        let type = vlenStringType()
        let sp = space(count: scalar ? nil : strings.count)
        let attr = H5Handle.attribute(H5Acreate2(object, name, type.id, sp.id, hid_t(H5P_DEFAULT), hid_t(H5P_DEFAULT)))
        guard attr.id >= 0 else { return false }
        if strings.isEmpty { return true }
        let cstrings = strings.map { strdup($0) }
        defer { cstrings.forEach { free($0) } }
        var pointers: [UnsafePointer<CChar>?] = cstrings.map { UnsafePointer($0) }
        return H5Awrite(attr.id, type.id, &pointers) >= 0
    }

    /// Reads an open attribute; nil (with `detail`) when its type is not supported.
    static func read(_ attr: hid_t) -> Result<HDF5AttributeValue, AttributeReadFailure> {
        let ftype = H5Handle.datatype(H5Aget_type(attr))
        let sp = H5Handle.dataspace(H5Aget_space(attr))
        guard ftype.id >= 0, sp.id >= 0 else { return .failure(.damaged(HDF5Library.errorStack())) }
        let rank = H5Sget_simple_extent_ndims(sp.id)
        let n = H5Sget_simple_extent_npoints(sp.id)
        guard rank >= 0, n >= 0, n < 1 << 26 else { return .failure(.damaged("bad attribute dataspace")) }
        let scalar = rank == 0
        let count = Int(n)
        let dtype = HDF5DataType.of(ftype.id)
        switch dtype {
        case .string:
            guard let s = readStrings(attr, fileType: ftype.id, count: count) else {
                return .failure(.damaged(HDF5Library.errorStack()))
            }
            return .success(scalar ? .string(s.first ?? "") : .strings(s))
        case .integer:
            guard Int64.accepts(dtype) else { return .failure(.unsupported(dtype.description)) }
            var v = [Int64](repeating: 0, count: count)
            guard count == 0 || H5Aread(attr, Int64.hdf5MemoryType, &v) >= 0 else { return .failure(.damaged(HDF5Library.errorStack())) }
            return .success(scalar ? .int64(v.first ?? 0) : .int64s(v))
        case .float:
            var v = [Double](repeating: 0, count: count)
            guard count == 0 || H5Aread(attr, Double.hdf5MemoryType, &v) >= 0 else { return .failure(.damaged(HDF5Library.errorStack())) }
            return .success(scalar ? .double(v.first ?? 0) : .doubles(v))
        case .other(let name):
            return .failure(.unsupported(name))
        }
    }

    enum AttributeReadFailure: Error {
        case damaged(String)
        case unsupported(String)
    }

    /// Variable-length strings (freed with `H5free_memory`) or fixed-length
    /// ones (NUL/space padding removed), decoded as UTF-8.
    static func readStrings(_ attr: hid_t, fileType: hid_t, count: Int) -> [String]? {
        if count == 0 { return [] }
        if H5Tis_variable_str(fileType) > 0 {
            let type = vlenStringType()
            var pointers = [UnsafeMutablePointer<CChar>?](repeating: nil, count: count)
            guard H5Aread(attr, type.id, &pointers) >= 0 else { return nil }
            defer { pointers.forEach { if let p = $0 { H5free_memory(p) } } }
            return pointers.map { $0.map { String(cString: $0) } ?? "" }
        }
        let size = Int(H5Tget_size(fileType))
        guard size > 0, size * count < 1 << 28 else { return nil }
        let type = H5Handle.datatype(H5Tcopy(fileType))   // same padding: no conversion
        var bytes = [UInt8](repeating: 0, count: size * count)
        guard H5Aread(attr, type.id, &bytes) >= 0 else { return nil }
        return (0..<count).map { i in
            var chunk = bytes[(i * size)..<((i + 1) * size)]
            if let nul = chunk.firstIndex(of: 0) { chunk = chunk[..<nul] }
            while chunk.last == 0x20 { chunk = chunk.dropLast() }
            return String(decoding: chunk, as: UTF8.self)
        }
    }
}
