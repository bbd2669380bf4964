import CZlib
import Foundation

/// A whole-file checksum in the HDF5 user block of every file Drift writes.
///
/// libhdf5 1.10 can crash (SIGSEGV, also in `h5dump`) on some corrupted
/// metadata, e.g. a flipped bit in the global heap behind a variable-length
/// string attribute. So Drift's files reserve a 512-byte HDF5 user block
/// (`H5Pset_userblock`; libhdf5, h5py and h5dump skip it) and, after the
/// file is closed, write there:
///
///     bytes 0..<8    "DRIFTUB1"
///     bytes 8..<16   file size (UInt64, little endian)
///     bytes 16..<20  CRC-32 (zlib) of bytes 512..<size
///     bytes 20..<24  CRC-32 of bytes 0..<20 and 24..<512 (the rest of the user block)
///     bytes 24..     a readable note, then zeros
///
/// `HDF5Reader` checks the seal before libhdf5 sees the file: any bit flip
/// or truncation of a Drift file becomes a clear error, never a crash. Files
/// without the seal (h5py, other tools) are passed to libhdf5 directly and
/// rely on the per-dataset CRCs and libhdf5's own checks.
enum HDF5Seal {
    static let userBlockSize = 512
    static let magic = Array("DRIFTUB1".utf8)
    static let note = Array("\nDrift HDF5 file: the HDF5 data start at byte 512; bytes 8..<24 hold its size and CRC-32.\n".utf8)

    /// Writes the seal into the user block of the closed file at `path`.
    static func seal(_ path: String) throws {
        let fd = open(path, O_RDWR)
        guard fd >= 0 else { throw DriftIOError.cannotWrite(path: path, detail: String(cString: strerror(errno))) }
        defer { close(fd) }
        let size = Int(lseek(fd, 0, SEEK_END))
        guard size >= userBlockSize, let crc = crcOfBody(fd, size: size) else {
            throw DriftIOError.cannotWrite(path: path, detail: "cannot read back the written file to checksum it")
        }
        var header = magic
        withUnsafeBytes(of: UInt64(size).littleEndian) { header += $0 }
        withUnsafeBytes(of: crc.littleEndian) { header += $0 }
        header += [0, 0, 0, 0] + note
        header += [UInt8](repeating: 0, count: userBlockSize - header.count)
        withUnsafeBytes(of: headerCRC(header).littleEndian) { header.replaceSubrange(20..<24, with: $0) }
        guard header.withUnsafeBytes({ pwrite(fd, $0.baseAddress, $0.count, 0) }) == header.count else {
            throw DriftIOError.cannotWrite(path: path, detail: "cannot write the file header (\(String(cString: strerror(errno))))")
        }
    }

    /// Outcome of checking a file for a seal.
    enum Status { case unsealed, intact }

    /// Checks the seal of `path` (of `size` bytes): `.intact` if it matches,
    /// `.unsealed` if there is none, throws `damaged` / `checksumMismatch` otherwise.
    static func check(_ path: String, size: Int) throws -> Status {
        guard size >= 8 else { return .unsealed }
        let fd = open(path, O_RDONLY)
        guard fd >= 0 else { throw DriftIOError.cannotRead(path: path, detail: String(cString: strerror(errno))) }
        defer { close(fd) }
        var header = [UInt8](repeating: 0, count: userBlockSize)
        let got = header.withUnsafeMutableBytes { pread(fd, $0.baseAddress, userBlockSize, 0) }
        guard got >= 8 else { return .unsealed }
        // A magic a few bits off is a damaged seal, not a foreign file.
        let differingBits = zip(header[0..<8], magic).reduce(0) { $0 + ($1.0 ^ $1.1).nonzeroBitCount }
        if differingBits > 8 { return .unsealed }
        func le<T: FixedWidthInteger>(_ at: Int, _: T.Type) -> T {
            header.withUnsafeBytes { T(littleEndian: $0.loadUnaligned(fromByteOffset: at, as: T.self)) }
        }
        if got == userBlockSize, le(20, UInt32.self) != headerCRC(header) || differingBits > 0 {
            throw DriftIOError.damaged(path: path, detail: "its header is corrupt")
        }
        guard got >= 16 else { throw DriftIOError.damaged(path: path, detail: "only \(size) bytes") }
        let expected = le(8, UInt64.self)
        guard got == userBlockSize, expected == UInt64(size) else {
            throw DriftIOError.damaged(path: path, detail: "\(size) bytes instead of \(expected)")
        }
        guard let crc = crcOfBody(fd, size: size) else {
            throw DriftIOError.cannotRead(path: path, detail: String(cString: strerror(errno)))
        }
        guard crc == le(16, UInt32.self) else { throw DriftIOError.fileChecksumMismatch(path: path) }
        return .intact
    }

    /// CRC-32 of the user block without its own CRC field (bytes 20..<24).
    private static func headerCRC(_ block: [UInt8]) -> UInt32 {
        CRC32.checksum(Array(block[0..<20]) + Array(block[24...]))
    }

    /// CRC-32 of bytes `userBlockSize..<size`, read in 1 MiB pieces.
    private static func crcOfBody(_ fd: Int32, size: Int) -> UInt32? {
        let chunk = 1 << 20
        let buf = UnsafeMutableRawPointer.allocate(byteCount: chunk, alignment: 64)
        defer { buf.deallocate() }
        var crc = crc32_z(0, nil, 0)
        var offset = userBlockSize
        while offset < size {
            let n = pread(fd, buf, min(chunk, size - offset), off_t(offset))
            guard n > 0 else { return nil }
            crc = crc32_z(crc, buf.assumingMemoryBound(to: Bytef.self), z_size_t(n))
            offset += n
        }
        return UInt32(crc)
    }
}
