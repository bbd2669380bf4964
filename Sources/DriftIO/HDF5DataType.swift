import CHDF5
import CZlib

/// The element type of an HDF5 dataset or attribute, as stored in the file.
public enum HDF5DataType: Equatable, Sendable, CustomStringConvertible {
    /// IEEE floating point of 16, 32 or 64 bits.
    case float(bits: Int)
    /// Two's-complement (signed) or unsigned integer.
    case integer(bits: Int, signed: Bool)
    /// Fixed- or variable-length string.
    case string
    /// Anything else (compound, enum, opaque, …), named by its HDF5 class.
    case other(String)

    public static let float32 = HDF5DataType.float(bits: 32)
    public static let float64 = HDF5DataType.float(bits: 64)
    public static let int64 = HDF5DataType.integer(bits: 64, signed: true)
    public static let uint8 = HDF5DataType.integer(bits: 8, signed: false)

    /// Integer or floating point (fixed element size, no indirection).
    public var isNumeric: Bool {
        switch self {
        case .float, .integer: return true
        case .string, .other: return false
        }
    }

    public var description: String {
        switch self {
        case .float(let b): return "float\(b)"
        case .integer(let b, let s): return (s ? "int" : "uint") + "\(b)"
        case .string: return "string"
        case .other(let name): return name
        }
    }

    /// The type of an open HDF5 datatype identifier.
    static func of(_ type: hid_t) -> HDF5DataType {
        let bits = Int(H5Tget_size(type)) * 8
        switch H5Tget_class(type) {
        case H5T_FLOAT: return .float(bits: bits)
        case H5T_INTEGER: return .integer(bits: bits, signed: H5Tget_sign(type) == H5T_SGN_2)
        case H5T_STRING: return .string
        case H5T_COMPOUND: return .other("compound")
        case H5T_ENUM: return .other("enum")
        case H5T_ARRAY: return .other("array")
        case H5T_VLEN: return .other("variable-length sequence")
        case H5T_OPAQUE: return .other("opaque")
        case H5T_REFERENCE: return .other("reference")
        case H5T_BITFIELD: return .other("bitfield")
        default: return .other("unknown type")
        }
    }
}

/// A Swift scalar type that can be stored as an HDF5 dataset element.
///
/// Drift writes little-endian file types (`H5T_IEEE_F32LE`, …). On reading,
/// libhdf5 converts compatible stored types (see `accepts`) to the native type.
public protocol HDF5Element {
    /// The stored type this Swift type is written as.
    static var hdf5DataType: HDF5DataType { get }
    /// Whether a dataset of stored type `t` may be read as this type.
    static func accepts(_ t: HDF5DataType) -> Bool
    /// The in-memory (native) HDF5 type.
    static var hdf5MemoryType: hid_t { get }
    /// The little-endian file type.
    static var hdf5FileType: hid_t { get }
}

/// float32 and float64 both read as `Float` (float64 is rounded).
extension Float: HDF5Element {
    public static var hdf5DataType: HDF5DataType { .float32 }
    public static func accepts(_ t: HDF5DataType) -> Bool { t == .float32 || t == .float64 }
    public static var hdf5MemoryType: hid_t { drift_H5T_NATIVE_FLOAT() }
    public static var hdf5FileType: hid_t { drift_H5T_IEEE_F32LE() }
}

/// float32 and float64 both read as `Double`.
extension Double: HDF5Element {
    public static var hdf5DataType: HDF5DataType { .float64 }
    public static func accepts(_ t: HDF5DataType) -> Bool { t == .float32 || t == .float64 }
    public static var hdf5MemoryType: hid_t { drift_H5T_NATIVE_DOUBLE() }
    public static var hdf5FileType: hid_t { drift_H5T_IEEE_F64LE() }
}

/// Every signed integer type and unsigned types up to 32 bits read as `Int64`.
extension Int64: HDF5Element {
    public static var hdf5DataType: HDF5DataType { .int64 }
    public static func accepts(_ t: HDF5DataType) -> Bool {
        if case .integer(let bits, let signed) = t { return signed ? bits <= 64 : bits <= 32 }
        return false
    }
    public static var hdf5MemoryType: hid_t { drift_H5T_NATIVE_INT64() }
    public static var hdf5FileType: hid_t { drift_H5T_STD_I64LE() }
}

/// Only uint8 datasets read as `UInt8`.
extension UInt8: HDF5Element {
    public static var hdf5DataType: HDF5DataType { .uint8 }
    public static func accepts(_ t: HDF5DataType) -> Bool { t == .uint8 }
    public static var hdf5MemoryType: hid_t { drift_H5T_NATIVE_UINT8() }
    public static var hdf5FileType: hid_t { drift_H5T_STD_U8LE() }
}

/// The values and shape of a dataset read from a file.
public struct HDF5Array<Element: HDF5Element> {
    /// Row-major values.
    public var values: [Element]
    /// Extent of each dimension (empty for a scalar dataset).
    public var shape: [Int]

    public init(values: [Element], shape: [Int]) {
        precondition(values.count == shape.reduce(1, *), "HDF5Array: \(values.count) values do not fill shape \(shape)")
        self.values = values
        self.shape = shape
    }
}

/// Shape and stored element type of a dataset.
public struct HDF5DatasetInfo: Equatable, Sendable {
    public var shape: [Int]
    public var dataType: HDF5DataType

    public init(shape: [Int], dataType: HDF5DataType) {
        self.shape = shape
        self.dataType = dataType
    }

    /// Number of elements.
    public var count: Int { shape.reduce(1, *) }
}

/// zlib's CRC-32 (the gzip/PNG polynomial 0xEDB88320) over raw bytes.
///
/// Drift stores it in a `crc32` attribute (uint32) on every dataset, computed
/// over the dataset's elements as little-endian bytes in the stored type, so
/// it can be recomputed with `zlib.crc32(arr.astype('<f4').tobytes())`.
public enum CRC32 {
    public static func checksum(_ bytes: UnsafeRawBufferPointer) -> UInt32 {
        guard let base = bytes.baseAddress, bytes.count > 0 else { return 0 }
        return UInt32(crc32_z(0, base.assumingMemoryBound(to: Bytef.self), z_size_t(bytes.count)))
    }

    public static func checksum(_ bytes: [UInt8]) -> UInt32 {
        bytes.withUnsafeBytes { checksum($0) }
    }
}
