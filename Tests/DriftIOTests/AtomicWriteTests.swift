import DriftIO
import Foundation
import TensorCore
import TensorIO
import XCTest

/// The final path only ever holds a complete file.
final class AtomicWriteTests: XCTestCase {
    private func writeVersion(_ path: String, _ version: Int64, count: Int = 16) throws {
        try HDF5Writer.write(to: path) { w in
            try w.setAttribute("version", .int64(version))
            try w.write(Tensor(repeating: Float(version), shape: [count]), to: "/parameters/w")
        }
    }

    private func version(_ path: String) throws -> Int64 {
        let r = try HDF5Reader(path: path, checksums: .required)
        let v = try r.int64("version")
        XCTAssertTrue(try r.readTensor("/parameters/w").scalars.allSatisfy { $0 == Float(v) })
        return v
    }

    func testFailedWriteLeavesPreviousFileAndNoTemporary() throws {
        let dir = TestFolder()
        let path = dir.file("ckpt.h5")
        try writeVersion(path, 1)
        struct Interrupted: Error {}
        XCTAssertThrowsError(try HDF5Writer.write(to: path) { w in
            try w.setAttribute("version", .int64(2))
            throw Interrupted()
        }) { XCTAssertTrue($0 is Interrupted) }
        XCTAssertEqual(try version(path), 1)
        XCTAssertEqual(dir.entries, ["ckpt.h5"])
        do {
            let w = try HDF5Writer(path: path)
            try w.write(Tensor.ones([3]), to: "/x")
            XCTAssertEqual(dir.entries.count, 2, "the temporary file exists while writing")
        }   // dropped without commit()
        XCTAssertEqual(dir.entries, ["ckpt.h5"])
        try writeVersion(path, 3)
        XCTAssertEqual(try version(path), 3)
        XCTAssertEqual(dir.entries, ["ckpt.h5"])
    }

    func testUnwritableDestinationsAreClearErrors() throws {
        let dir = TestFolder()
        let nowhere = dir.file("missing/ckpt.h5")
        XCTAssertEqual(driftError { try HDF5Writer(path: nowhere) }?.description,
                       "cannot write \(nowhere): folder \(dir.file("missing")) does not exist; create it first")
        XCTAssertEqual(driftError { try HDF5Writer(path: dir.path) }, .isDirectory(path: dir.path))
        if getuid() != 0 {   // root may write anywhere
            let locked = dir.file("readonly")
            try FileManager.default.createDirectory(atPath: locked, withIntermediateDirectories: false)
            chmod(locked, 0o555)
            defer { chmod(locked, 0o755) }
            let e = driftError { try HDF5Writer(path: locked + "/ckpt.h5") }
            XCTAssertTrue(e?.description.contains("is not writable") ?? false, String(describing: e))
        }
    }

    func testStaleTemporariesOfDeadWritersAreRemoved() throws {
        let dir = TestFolder()
        var dead: Int32 = 4_000_000
        while kill(dead, 0) == 0 || errno != ESRCH { dead -= 1 }
        dir.write([1, 2, 3], to: "ckpt.h5.tmp.\(dead)")
        dir.write([1, 2, 3], to: "ckpt.h5.tmp.\(getppid())")   // a live process: kept
        dir.write([1, 2, 3], to: "other.h5.tmp.\(dead)")       // another file's: kept
        try writeVersion(dir.file("ckpt.h5"), 1)
        XCTAssertEqual(dir.entries, ["ckpt.h5", "ckpt.h5.tmp.\(getppid())", "other.h5.tmp.\(dead)"])
    }

    // MARK: - SIGKILL during a write

    /// Environment variable that turns `testChildWritesUntilKilled` into the writer process.
    private static let childVariable = "DRIFT_IO_CRASH_CHILD_PATH"

    /// Child-process helper: rewrites the file with increasing versions until killed.
    /// Does nothing in a normal test run.
    func testChildWritesUntilKilled() throws {
        guard let path = ProcessInfo.processInfo.environment[Self.childVariable] else { return }
        for v in Int64(1)... { try writeVersion(path, v, count: 1 << 20) }
    }

    func testSIGKILLDuringWriteKeepsPreviousFileLoadable() throws {
        #if os(Linux)
        let exe = try FileManager.default.destinationOfSymbolicLink(atPath: "/proc/self/exe")
        let dir = TestFolder()
        let path = dir.file("ckpt.h5")
        try writeVersion(path, 0)
        var killedMidWrite = 0
        for _ in 0..<3 {
            let child = Process()
            child.executableURL = URL(fileURLWithPath: exe)
            child.arguments = ["DriftIOTests.AtomicWriteTests/testChildWritesUntilKilled"]
            child.environment = ProcessInfo.processInfo.environment.merging([Self.childVariable: path]) { $1 }
            child.standardOutput = FileHandle.nullDevice
            child.standardError = FileHandle.nullDevice
            try child.run()
            let temporary = path + ".tmp.\(child.processIdentifier)"
            let before = try version(path)
            // Wait until the child has committed at least once and is writing again.
            let deadline = Date().addingTimeInterval(20)
            while Date() < deadline {
                if (try? version(path)) ?? before > before, FileManager.default.fileExists(atPath: temporary) { break }
                usleep(500)
            }
            if FileManager.default.fileExists(atPath: temporary) { killedMidWrite += 1 }
            kill(child.processIdentifier, SIGKILL)
            child.waitUntilExit()
            XCTAssertEqual(child.terminationReason, .uncaughtSignal)
            XCTAssertGreaterThan(try version(path), before, "the last committed version is loadable")
        }
        XCTAssertGreaterThan(killedMidWrite, 0, "at least one kill should hit a write in progress")
        try writeVersion(path, 100)   // a new writer cleans up the dead children's temporaries
        XCTAssertEqual(dir.entries, ["ckpt.h5"])
        #else
        throw XCTSkip("uses /proc/self/exe")
        #endif
    }
}
