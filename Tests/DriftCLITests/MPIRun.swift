import Foundation
import XCTest

/// `mpirun --allow-run-as-root --oversubscribe -np N drift …` for CLI tests (the machines have
/// 2 cores and run as root).
enum MPIRun {
    /// Runs `drift args…` under `mpirun -np ranks` (as root, oversubscribing the 2 cores).
    static func run(_ ranks: Int, _ args: [String], in folder: URL) throws -> DriftProcess.Output {
        let p = try start(ranks, args, in: folder)
        p.process.waitUntilExit()
        return p.output()
    }

    /// Starts `drift args…` under mpirun without waiting.
    static func start(_ ranks: Int, _ args: [String], in folder: URL) throws -> Started {
        guard let launcher = ["/usr/bin/mpirun", "/usr/local/bin/mpirun"].first(where: { FileManager.default.isExecutableFile(atPath: $0) }) else {
            throw XCTSkip("mpirun is not installed (scripts/setup.sh installs openmpi-bin)")
        }
        let p = Process()
        p.executableURL = URL(fileURLWithPath: launcher)
        p.arguments = ["--allow-run-as-root", "--oversubscribe", "-np", "\(ranks)", try DriftProcess.executable().path] + args
        let out = folder.appendingPathComponent("mpi-stdout-\(UUID().uuidString)"), err = folder.appendingPathComponent("mpi-stderr-\(UUID().uuidString)")
        FileManager.default.createFile(atPath: out.path, contents: nil)
        FileManager.default.createFile(atPath: err.path, contents: nil)
        p.standardOutput = try FileHandle(forWritingTo: out)
        p.standardError = try FileHandle(forWritingTo: err)
        try p.run()
        return Started(process: p, stdout: out, stderr: err)
    }

    struct Started {
        let process: Process
        let stdout: URL, stderr: URL
        func output() -> DriftProcess.Output {
            defer { try? FileManager.default.removeItem(at: stdout); try? FileManager.default.removeItem(at: stderr) }
            return DriftProcess.Output(status: process.terminationStatus, stdout: (try? String(contentsOf: stdout, encoding: .utf8)) ?? "",
                                       stderr: (try? String(contentsOf: stderr, encoding: .utf8)) ?? "")
        }
    }

}
