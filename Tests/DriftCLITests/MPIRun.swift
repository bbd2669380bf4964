import Foundation
import XCTest

/// `mpirun --allow-run-as-root --oversubscribe -np N drift …` for CLI tests (the machines have
/// 2 cores and run as root).
enum MPIRun {
    /// Runs `drift args…` under `mpirun -np ranks`.
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
        let (p, out, err) = try DriftProcess.start(args, in: folder,
                                                   launcher: [launcher, "--allow-run-as-root", "--oversubscribe", "-np", "\(ranks)"])
        return Started(process: p, stdout: out, stderr: err)
    }

    struct Started {
        let process: Process
        let stdout: URL, stderr: URL
        func output() -> DriftProcess.Output { DriftProcess.finish(process, stdout: stdout, stderr: stderr) }
    }
}
