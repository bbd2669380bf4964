import Foundation
import XCTest

/// Runs the built `drift` executable as a child process (end-to-end CLI tests).
struct DriftProcess {
    struct Output {
        var status: Int32
        var stdout: String
        var stderr: String
    }

    /// The `drift` binary next to the test bundle (`swift build --build-tests` builds it).
    static func executable() throws -> URL {
        let bundleFolder = URL(fileURLWithPath: CommandLine.arguments[0]).deletingLastPathComponent()
        let packageRoot = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
        for candidate in [bundleFolder.appendingPathComponent("drift"),
                          packageRoot.appendingPathComponent(".build/release/drift"),
                          packageRoot.appendingPathComponent(".build/debug/drift")]
        where FileManager.default.isExecutableFile(atPath: candidate.path) {
            return candidate
        }
        throw XCTSkip("the drift executable is not built (swift build -c release --product drift)")
    }

    /// Starts `drift args…` (after `launcher`, e.g. mpirun and its flags, when given) with
    /// stdout/stderr captured to files in `folder`.
    static func start(_ args: [String], in folder: URL, environment: [String: String] = [:],
                      launcher: [String] = []) throws -> (Process, URL, URL) {
        let p = Process()
        if let first = launcher.first {
            p.executableURL = URL(fileURLWithPath: first)
            p.arguments = Array(launcher.dropFirst()) + [try executable().path] + args
        } else {
            p.executableURL = try executable()
            p.arguments = args
        }
        p.environment = ProcessInfo.processInfo.environment.merging(environment) { $1 }
        let out = folder.appendingPathComponent("stdout-\(UUID().uuidString).txt")
        let err = folder.appendingPathComponent("stderr-\(UUID().uuidString).txt")
        _ = FileManager.default.createFile(atPath: out.path, contents: nil)
        _ = FileManager.default.createFile(atPath: err.path, contents: nil)
        p.standardOutput = try FileHandle(forWritingTo: out)
        p.standardError = try FileHandle(forWritingTo: err)
        try p.run()
        return (p, out, err)
    }

    /// Runs `drift args…` to completion.
    static func run(_ args: [String], in folder: URL, environment: [String: String] = [:]) throws -> Output {
        let (p, out, err) = try start(args, in: folder, environment: environment)
        p.waitUntilExit()
        return finish(p, stdout: out, stderr: err)
    }

    /// The output of a process `start` began (which must have exited); removes its capture files.
    static func finish(_ p: Process, stdout out: URL, stderr err: URL) -> Output {
        defer { try? FileManager.default.removeItem(at: out); try? FileManager.default.removeItem(at: err) }
        return Output(status: p.terminationStatus,
                      stdout: (try? String(contentsOf: out, encoding: .utf8)) ?? "",
                      stderr: (try? String(contentsOf: err, encoding: .utf8)) ?? "")
    }
}

/// A fresh temporary folder.
func temporaryFolder(_ tag: String = #function) -> URL {
    let url = FileManager.default.temporaryDirectory
        .appendingPathComponent("drift-cli-\(getpid())-\(tag.filter(\.isLetter))-\(UInt32.random(in: 0...UInt32.max))")
    try? FileManager.default.createDirectory(at: url, withIntermediateDirectories: true)
    return url
}

/// Asserts a failed run: non-zero exit, exactly one "Error: …" line containing `fragments`, no HDF5 diagnostics, no crash.
func assertCleanFailure(_ out: DriftProcess.Output, mentions fragments: [String], file: StaticString = #filePath, line: UInt = #line) {
    XCTAssertNotEqual(out.status, 0, "expected a non-zero exit", file: file, line: line)
    XCTAssertLessThan(out.status, 128, "the process crashed or was killed (status \(out.status))", file: file, line: line)
    XCTAssertFalse(out.stderr.contains("HDF5-DIAG"), "HDF5 diagnostics leaked: \(out.stderr)", file: file, line: line)
    let errorLines = out.stderr.split(separator: "\n").filter { $0.hasPrefix("Error:") }
    XCTAssertEqual(errorLines.count, 1, "expected one error line in: \(out.stderr)", file: file, line: line)
    for fragment in fragments {
        XCTAssertTrue(out.stderr.contains(fragment), "'\(fragment)' missing from: \(out.stderr)", file: file, line: line)
    }
}
