import DriftKernels
import Foundation

/// The instruction-set path of Drift's matrix kernels (`Sources/DriftKernels`).
///
/// Chosen at run time from the CPU's features (CPUID: AVX-512 F/BW/VL/DQ, AVX2 + FMA),
/// never from its model number; `DRIFT_KERNEL=avx512|avx2|generic` forces one.
/// Every path accumulates each output element in one chain of fused multiply-adds
/// over k in order, so all paths — and every split of a product across threads,
/// batches or tiles — give bitwise the same result.
public enum KernelPath: String, CaseIterable, Sendable, CustomStringConvertible {
    /// Portable C (`fmaf`), 4×8 micro-tile.
    case generic
    /// AVX2 + FMA, 6×16 and 4×24 micro-tiles (whichever pads a product least).
    case avx2
    /// AVX-512 F/BW/VL/DQ, 8×48 and 12×32 micro-tiles (whichever pads a product least).
    case avx512

    var code: Int32 {
        switch self {
        case .generic: Int32(DRIFT_KERNEL_GENERIC)
        case .avx2: Int32(DRIFT_KERNEL_AVX2)
        case .avx512: Int32(DRIFT_KERNEL_AVX512)
        }
    }

    /// Whether this CPU (and its OS) can run the path.
    public var isSupported: Bool { drift_kernel_supported(code) != 0 }

    /// The paths this CPU can run, portable first.
    public static var supported: [KernelPath] { allCases.filter(\.isSupported) }

    /// The widest path this CPU supports.
    public static var best: KernelPath { supported.last ?? .generic }

    public var description: String { rawValue }

    /// An error naming a `DRIFT_KERNEL` value that is unknown or that this CPU cannot run.
    public struct SelectionError: Error, CustomStringConvertible {
        public let description: String
    }

    /// The path `DRIFT_KERNEL` asks for (the best one when unset or empty).
    public static func fromEnvironment(_ env: [String: String] = ProcessInfo.processInfo.environment) throws -> KernelPath {
        guard let raw = env["DRIFT_KERNEL"], !raw.isEmpty else { return best }
        let names = allCases.map(\.rawValue).joined(separator: ", ")
        guard let path = KernelPath(rawValue: raw.lowercased()) else {
            throw SelectionError(description: "DRIFT_KERNEL=\(raw) is not a kernel path; use one of \(names), or unset it")
        }
        guard path.isSupported else {
            throw SelectionError(description: "DRIFT_KERNEL=\(raw): this CPU (\(CPUInfo.modelName)) lacks the instructions of that path; "
                                 + "it supports \(supported.map(\.rawValue).joined(separator: ", "))")
        }
        return path
    }

    nonisolated(unsafe) private static var selected: KernelPath = {
        do { return try fromEnvironment() } catch {
            // The CLI validates DRIFT_KERNEL before computing; a library user gets the message here.
            fatalError("\(error)")
        }
    }()

    /// The path every product uses (from `DRIFT_KERNEL`, else the best supported one).
    public static var active: KernelPath { selected }

    /// Makes `path` the active one (tests and benchmarks). Call before computing, not concurrently.
    public static func activate(_ path: KernelPath) {
        precondition(path.isSupported, "KernelPath.activate: this CPU cannot run \(path)")
        _ = selected
        selected = path
    }
}

/// What the CPU says about itself, for reports.
public enum CPUInfo {
    /// `model name` from /proc/cpuinfo (or "unknown CPU").
    public static let modelName: String = field("model name") ?? "unknown CPU"

    /// "AMD EPYC (family 25 model 1)": the model name with /proc/cpuinfo's family and model
    /// numbers, which tell CPUs of one marketing name apart (Zen 3 from Zen 4).
    public static let identity: String = {
        guard let family = field("cpu family"), let model = field("model") else { return modelName }
        return "\(modelName) (family \(family) model \(model))"
    }()

    /// The value of the first /proc/cpuinfo line whose key is `name` (nil: no such line or file).
    static func field(_ name: String) -> String? {
        guard let text = try? String(contentsOfFile: "/proc/cpuinfo", encoding: .utf8) else { return nil }
        for line in text.split(separator: "\n") {
            let parts = line.split(separator: ":", maxSplits: 1, omittingEmptySubsequences: false)
            if parts.count == 2, parts[0].trimmingCharacters(in: .whitespaces) == name {
                return parts[1].trimmingCharacters(in: .whitespaces)
            }
        }
        return nil
    }

    /// Data-cache sizes in bytes as the CPU reports them (the GEMM's blocking uses them).
    public static var cacheL1d: Int { Int(drift_cache_l1d()) }
    public static var cacheL2: Int { Int(drift_cache_l2()) }
}
