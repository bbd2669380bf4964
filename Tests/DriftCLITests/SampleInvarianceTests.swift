import Foundation
import XCTest
import DriftIO
import TensorCore
import TensorIO

/// The README's promise on real networks: sample i depends only on (seed, i) — not on
/// `--batch`, `--threads` or the kernel path (`DRIFT_KERNEL`) — bit for bit.
final class SampleInvarianceTests: XCTestCase {
    let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()

    func samples(_ file: URL) throws -> [Float] {
        let r = try HDF5Reader(path: file.path)
        defer { r.close() }
        return try r.readTensor("/samples").scalars
    }

    /// Samples `model` once per (batch, threads, kernel) setting and asserts every run gives the same bits.
    func assertInvariant(model: String, sampler: [String], n: Int, settings: [(batch: Int, threads: Int)],
                         in folder: URL, file: StaticString = #filePath, line: UInt = #line) throws {
        var runs: [(String, [Float])] = []
        let kernels = KernelPath.supported.map(\.rawValue)
        for (i, s) in settings.enumerated() {
            // Every setting on the best path; the first also on every other path.
            for kernel in i == 0 ? kernels : [KernelPath.best.rawValue] {
                let out = folder.appendingPathComponent("s-\(i)-\(kernel).h5")
                let run = try DriftProcess.run(["sample", "--model", model] + sampler
                                               + ["--n", "\(n)", "--seed", "4", "--batch", "\(s.batch)", "--threads", "\(s.threads)",
                                                  "--png", "none", "--out", out.path],
                                               in: root, environment: ["DRIFT_KERNEL": kernel])
                XCTAssertEqual(run.status, 0, run.stderr, file: file, line: line)
                runs.append(("--batch \(s.batch) --threads \(s.threads) DRIFT_KERNEL=\(kernel)", try samples(out)))
            }
        }
        XCTAssertEqual(runs[0].1.count, n * (runs[0].1.count / n))
        XCTAssertTrue(runs[0].1.allSatisfy(\.isFinite))
        for (name, r) in runs.dropFirst() {
            let differing = zip(r, runs[0].1).filter { $0.bitPattern != $1.bitPattern }.count
            XCTAssertEqual(differing, 0, "\(name) differs from \(runs[0].0) in \(differing) values", file: file, line: line)
        }
    }

    func testATrainedMLPSamplesTheSameWhateverBatchThreadsAndKernel() throws {
        let folder = temporaryFolder()
        defer { try? FileManager.default.removeItem(at: folder) }
        let runFolder = folder.appendingPathComponent("moons")
        let train = try DriftProcess.run(["train", "--data", "toy:moons", "--model", "mlp2d", "--objective", "cfm", "--steps", "40",
                                          "--batch", "256", "--log-every", "20", "--sample-every", "0", "--out", runFolder.path], in: root)
        XCTAssertEqual(train.status, 0, train.stderr)
        let model = runFolder.appendingPathComponent("checkpoint.h5").path
        // An ODE and an SDE sampler (noise keyed by sample index).
        for sampler in [["--sampler", "dpmpp-2m-20", "--steps", "6"], ["--sampler", "ancestral-100", "--steps", "6"]] {
            try assertInvariant(model: model, sampler: sampler, n: 37, settings: [(37, 2), (5, 1), (16, 2), (1, 2)], in: folder)
        }
    }

    func testTheShippedUNetSamplesTheSameWhateverBatchThreadsAndKernel() throws {
        let folder = temporaryFolder()
        defer { try? FileManager.default.removeItem(at: folder) }
        let model = root.appendingPathComponent("checkpoints/fashion-cfm-unet28.h5").path
        try assertInvariant(model: model, sampler: ["--sampler", "euler-50", "--steps", "2"], n: 5,
                            settings: [(5, 2), (2, 1), (3, 2)], in: folder)
    }

    func testAnUnknownOrUnsupportedKernelIsOneClearLine() throws {
        let folder = temporaryFolder()
        defer { try? FileManager.default.removeItem(at: folder) }
        let out = folder.appendingPathComponent("x.h5")
        let args = ["sample", "--model", root.appendingPathComponent("checkpoints/gmm-ring8.json").path, "--sampler", "euler-50",
                    "--n", "10", "--out", out.path]
        assertCleanFailure(try DriftProcess.run(args, in: root, environment: ["DRIFT_KERNEL": "sse9"]),
                           mentions: ["DRIFT_KERNEL=sse9 is not a kernel path", "generic, avx2, avx512"])
        for path in KernelPath.allCases where !path.isSupported {
            assertCleanFailure(try DriftProcess.run(args, in: root, environment: ["DRIFT_KERNEL": path.rawValue]),
                               mentions: ["lacks the instructions"])
        }
        XCTAssertFalse(FileManager.default.fileExists(atPath: out.path))
    }
}
