import Foundation

/// Writes a file so that the final path only ever holds a complete file.
///
/// The data go to `<name>.tmp.<pid>` in the same folder (same file system, so
/// `rename(2)` is atomic). `commit()` fsyncs the temporary file, renames it
/// over the final path and fsyncs the folder: a reader sees either the old
/// file or the new one, never a partial one, even if the writer is SIGKILLed
/// or the machine loses power. `abandon()` (also run by `deinit` when
/// `commit()` was never reached, e.g. after a thrown error) deletes the
/// temporary file. A SIGKILLed writer cannot clean up, so a new `AtomicFile`
/// for the same path removes leftover temporaries of processes that no longer
/// exist.
public final class AtomicFile {
    /// Where the file appears after `commit()`.
    public let finalPath: String
    /// Where the data are written until then.
    public let temporaryPath: String
    /// True once the rename has happened.
    public private(set) var isCommitted = false
    private var isAbandoned = false

    /// Checks that the folder of `path` exists and is writable, removes stale
    /// temporaries of dead writers, and reserves the temporary path.
    public init(path: String) throws {
        finalPath = path
        let url = URL(fileURLWithPath: path)
        let folder = url.deletingLastPathComponent().path
        let name = url.lastPathComponent
        temporaryPath = folder + "/" + name + ".tmp.\(getpid())"
        var st = stat()
        guard stat(folder, &st) == 0, (st.st_mode & S_IFMT) == S_IFDIR else {
            throw DriftIOError.cannotWrite(path: path, detail: "folder \(folder) does not exist; create it first")
        }
        guard access(folder, W_OK) == 0 else {
            throw DriftIOError.cannotWrite(path: path, detail: "folder \(folder) is not writable (\(String(cString: strerror(errno))))")
        }
        if stat(path, &st) == 0, (st.st_mode & S_IFMT) == S_IFDIR {
            throw DriftIOError.isDirectory(path: path)
        }
        Self.removeStaleTemporaries(folder: folder, name: name)
        unlink(temporaryPath)
    }

    deinit { if !isCommitted { abandon() } }

    /// Makes the temporary file durable and moves it to the final path.
    public func commit() throws {
        precondition(!isCommitted && !isAbandoned, "AtomicFile.commit: \(finalPath) already committed or abandoned")
        let fd = open(temporaryPath, O_RDONLY)
        guard fd >= 0 else {
            let reason = String(cString: strerror(errno))
            abandon()
            throw DriftIOError.cannotWrite(path: finalPath, detail: "temporary file \(temporaryPath) vanished (\(reason))")
        }
        let synced = fsync(fd) == 0
        let syncError = errno
        close(fd)
        guard synced else {
            abandon()
            throw DriftIOError.cannotWrite(path: finalPath, detail: "fsync failed (\(String(cString: strerror(syncError))))")
        }
        guard rename(temporaryPath, finalPath) == 0 else {
            let reason = String(cString: strerror(errno))
            abandon()
            throw DriftIOError.cannotWrite(path: finalPath, detail: "rename from \(temporaryPath) failed (\(reason))")
        }
        isCommitted = true
        let dir = open(URL(fileURLWithPath: finalPath).deletingLastPathComponent().path, O_RDONLY)
        if dir >= 0 { fsync(dir); close(dir) }
    }

    /// Deletes the temporary file; the final path is left untouched.
    public func abandon() {
        guard !isCommitted, !isAbandoned else { return }
        isAbandoned = true
        unlink(temporaryPath)
    }

    /// Runs `body` with the temporary path, then commits; abandons if `body` throws.
    public static func write(to path: String, _ body: (String) throws -> Void) throws {
        let file = try AtomicFile(path: path)
        do { try body(file.temporaryPath) } catch { file.abandon(); throw error }
        try file.commit()
    }

    /// Deletes `<name>.tmp.<pid>` files in `folder` whose process is gone.
    static func removeStaleTemporaries(folder: String, name: String) {
        guard let entries = try? FileManager.default.contentsOfDirectory(atPath: folder) else { return }
        let prefix = name + ".tmp."
        for entry in entries where entry.hasPrefix(prefix) {
            guard let pid = Int32(entry.dropFirst(prefix.count)), pid != getpid() else { continue }
            if kill(pid, 0) != 0 && errno == ESRCH { unlink(folder + "/" + entry) }
        }
    }
}
