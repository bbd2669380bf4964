import Foundation

/// A file problem a user can cause or fix: missing, unreadable, damaged or
/// locked files, unwritable folders, wrong contents.
///
/// `description` is one line that says what is wrong and, where there is
/// something to do, what to do. The cases are closed so that callers (and
/// tests) can react to a kind of failure without parsing the text.
public enum DriftIOError: Error, Equatable, CustomStringConvertible, LocalizedError {
    /// No file at `path`.
    case fileNotFound(path: String)
    /// `path` is a directory where a file was expected.
    case isDirectory(path: String)
    /// The file exists but is not in the expected format (`format`: "HDF5", "PNG", "IDX").
    case wrongFormat(path: String, format: String, detail: String)
    /// The file has the right format but is cut short or internally inconsistent.
    case damaged(path: String, detail: String)
    /// A dataset's stored CRC32 does not match its contents.
    case checksumMismatch(path: String, dataset: String)
    /// The whole-file checksum of a Drift HDF5 file does not match (see `HDF5Seal`).
    case fileChecksumMismatch(path: String)
    /// The file uses a format version this library cannot read.
    case unsupportedVersion(path: String, detail: String)
    /// Another process holds the file open for writing (HDF5 file locking).
    case locked(path: String)
    /// A dataset, group or attribute the caller asked for does not exist.
    case missing(path: String, object: String)
    /// An object exists but its element type or shape is not the one asked for.
    case mismatch(path: String, object: String, detail: String)
    /// The file could not be created or written (permissions, missing folder, disk full).
    case cannotWrite(path: String, detail: String)
    /// The file could not be read for an operating-system reason (permissions, I/O error).
    case cannotRead(path: String, detail: String)
    /// A Debian dataset package is not installed.
    case datasetNotInstalled(path: String, package: String)
    /// The caller passed a value the file format cannot hold (e.g. a PNG text key over 79 bytes).
    case invalidArgument(String)

    public var description: String {
        switch self {
        case .fileNotFound(let p): return "no such file: \(p)"
        case .isDirectory(let p): return "\(p) is a directory, not a file"
        case .wrongFormat(let p, let f, let d):
            // "an HDF5", "an IDX", "a PNG": the article follows the spoken first letter.
            let article = "AEFHILMNORSX".contains(f.first ?? "P") ? "an" : "a"
            return "not \(article) \(f) file: \(p)" + (d.isEmpty ? "" : " (\(d))")
        case .damaged(let p, let d): return "file is truncated or damaged: \(p)" + (d.isEmpty ? "" : " (\(d))")
        case .checksumMismatch(let p, let d): return "checksum mismatch in dataset \(d) of \(p): the file is corrupt"
        case .fileChecksumMismatch(let p): return "checksum mismatch in \(p): the file is corrupt"
        case .unsupportedVersion(let p, let d): return "\(p) uses a newer file format than this program can read (\(d))"
        case .locked(let p):
            return "file \(p) is locked by another process writing it; wait for it to finish (or set HDF5_USE_FILE_LOCKING=FALSE if no one is writing)"
        case .missing(let p, let o): return "\(o) missing in \(p)"
        case .mismatch(let p, let o, let d): return "\(o) in \(p): \(d)"
        case .cannotWrite(let p, let d): return "cannot write \(p): \(d)"
        case .cannotRead(let p, let d): return "cannot read \(p): \(d)"
        case .datasetNotInstalled(let p, let pkg):
            return "\(p) not found: install the Debian package \(pkg) (sudo apt-get install \(pkg))"
        case .invalidArgument(let m): return m
        }
    }

    public var errorDescription: String? { description }
}

/// File-system checks shared by the readers: a clear error before a C library
/// produces a vague one.
enum FileCheck {
    /// Throws `fileNotFound`, `isDirectory` or `cannotRead` unless `path` is a
    /// readable regular file; returns its size in bytes.
    @discardableResult
    static func readableFile(_ path: String) throws -> Int {
        var st = stat()
        guard stat(path, &st) == 0 else {
            if errno == ENOENT || errno == ENOTDIR { throw DriftIOError.fileNotFound(path: path) }
            throw DriftIOError.cannotRead(path: path, detail: String(cString: strerror(errno)))
        }
        if (st.st_mode & S_IFMT) == S_IFDIR { throw DriftIOError.isDirectory(path: path) }
        guard access(path, R_OK) == 0 else {
            throw DriftIOError.cannotRead(path: path, detail: String(cString: strerror(errno)))
        }
        return Int(st.st_size)
    }
}

extension DriftIOError {
    /// The underlying POSIX reason of a Foundation file error ("Permission denied"), else its
    /// description: the words a one-line message about a file needs.
    public static func reason(_ error: Error) -> String {
        let ns = error as NSError
        if let underlying = ns.userInfo[NSUnderlyingErrorKey] as? NSError, underlying.domain == NSPOSIXErrorDomain {
            return String(cString: strerror(Int32(underlying.code)))
        }
        if ns.domain == NSPOSIXErrorDomain { return String(cString: strerror(Int32(ns.code))) }
        return ns.localizedDescription
    }
}
