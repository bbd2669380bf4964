import CHDF5
import Foundation

/// Process-wide state of libhdf5: one-time setup, a lock, error messages.
///
/// Debian's serial libhdf5 is not thread-safe, so every Drift call into it
/// holds `lock`. Its automatic error printing (the `HDF5-DIAG` stack on
/// stderr) is switched off once; failures are instead turned into one
/// `DriftIOError` line built from the error stack (`H5Ewalk2`).
enum HDF5Library {
    /// Serializes all libhdf5 calls (the serial build has global state).
    static let lock: NSRecursiveLock = {
        H5open()
        H5Eset_auto2(hid_t(H5E_DEFAULT), nil, nil)
        return NSRecursiveLock()
    }()

    /// Runs `body` holding the library lock.
    static func locked<R>(_ body: () throws -> R) rethrows -> R {
        lock.lock()
        defer { lock.unlock() }
        return try body()
    }

    /// The current error stack as one line (innermost cause first), then cleared.
    @discardableResult
    static func errorStack() -> String {
        var buf = [CChar](repeating: 0, count: 1024)
        drift_h5_error_stack(&buf, buf.count)
        return String(nulTerminated: buf)
    }

    /// Classifies a failure to open `path` from the HDF5 error stack.
    static func openError(path: String, stack: String) -> DriftIOError {
        let s = stack.lowercased()
        if s.contains("unable to lock") { return .locked(path: path) }
        if s.contains("file signature not found") { return .wrongFormat(path: path, format: "HDF5", detail: "") }
        return unreadable(path: path, stack: stack)
    }

    /// A failure inside a file that opened: damage, or a format newer than libhdf5 1.10.
    static func unreadable(path: String, object: String? = nil, stack: String) -> DriftIOError {
        let prefix = object.map { "\($0): " } ?? ""
        if stack.lowercased().contains("bad version number") {
            return .unsupportedVersion(path: path, detail: prefix + "libhdf5 \(version) cannot decode it; "
                                       + "write it with h5py's default libver instead of 'latest'")
        }
        return .damaged(path: path, detail: prefix + stack)
    }

    /// "major.minor.release" of the linked libhdf5.
    static var version: String {
        var major: UInt32 = 0, minor: UInt32 = 0, release: UInt32 = 0
        H5get_libversion(&major, &minor, &release)
        return "\(major).\(minor).\(release)"
    }
}

/// An HDF5 identifier that is closed exactly once (by `close()` or on deinit).
final class H5Handle {
    let id: hid_t
    private let closer: (hid_t) -> herr_t
    private var open = true

    init(_ id: hid_t, closer: @escaping (hid_t) -> herr_t) {
        self.id = id
        self.closer = closer
    }

    /// Closes now; returns false if libhdf5 reported an error.
    @discardableResult
    func close() -> Bool {
        guard open else { return true }
        open = false
        return HDF5Library.locked { closer(id) } >= 0
    }

    deinit { close() }

    static func file(_ id: hid_t) -> H5Handle { H5Handle(id, closer: H5Fclose) }
    static func group(_ id: hid_t) -> H5Handle { H5Handle(id, closer: H5Gclose) }
    static func dataset(_ id: hid_t) -> H5Handle { H5Handle(id, closer: H5Dclose) }
    static func dataspace(_ id: hid_t) -> H5Handle { H5Handle(id, closer: H5Sclose) }
    static func datatype(_ id: hid_t) -> H5Handle { H5Handle(id, closer: H5Tclose) }
    static func attribute(_ id: hid_t) -> H5Handle { H5Handle(id, closer: H5Aclose) }
    static func object(_ id: hid_t) -> H5Handle { H5Handle(id, closer: H5Oclose) }
    static func plist(_ id: hid_t) -> H5Handle { H5Handle(id, closer: H5Pclose) }
}

/// Splits an HDF5 path ("/parameters/down.0.weight") into its components.
/// Dots are ordinary characters in HDF5 names, so dotted keys stay whole.
func hdf5Components(_ path: String) -> [String] {
    path.split(separator: "/", omittingEmptySubsequences: true).map(String.init)
}

/// The canonical absolute form of an HDF5 path ("a/b/" → "/a/b").
func hdf5Normalized(_ path: String) -> String {
    "/" + hdf5Components(path).joined(separator: "/")
}

extension String {
    /// Decodes a NUL-terminated UTF-8 C buffer (invalid bytes become U+FFFD).
    init(nulTerminated buffer: [CChar]) {
        let bytes = buffer.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }
        self = String(decoding: bytes, as: UTF8.self)
    }
}
