// swift-tools-version:6.0
import PackageDescription

// MARK: - Build settings

/// Release builds target AVX2/FMA (`-target-cpu haswell`): the elementwise
/// kernels (polynomial exp, SiLU, GroupNorm) are 2–3× faster than on the
/// baseline SSE2 target. Every x86-64 CPU since 2013 has these instructions.
/// Set `DRIFT_PORTABLE=1` to build for baseline x86-64.
import Foundation
let portable = ProcessInfo.processInfo.environment["DRIFT_PORTABLE"] != nil
#if arch(x86_64)
let fastMath: [SwiftSetting] = portable ? [] : [.unsafeFlags(["-target-cpu", "haswell"], .when(configuration: .release))]
let fastC: [CSetting] = portable ? [] : [.unsafeFlags(["-march=haswell", "-O3"], .when(configuration: .release))]
#else
let fastMath: [SwiftSetting] = []
let fastC: [CSetting] = []
#endif

let package = Package(
    name: "Drift",
    platforms: [.macOS(.v13)],
    products: [
        .executable(name: "drift", targets: ["drift"]),
        .library(name: "TensorCore", targets: ["TensorCore"]),
    ],
    dependencies: [
        .package(url: "https://github.com/apple/swift-argument-parser", from: "1.5.0"),
    ],
    targets: [
        // MARK: - C libraries (Debian packages; see scripts/setup.sh)
        .systemLibrary(name: "CHDF5", path: "Sources/CHDF5", pkgConfig: "hdf5", providers: [.apt(["libhdf5-dev"])]),
        .systemLibrary(name: "CZlib", path: "Sources/CZlib", pkgConfig: "zlib", providers: [.apt(["zlib1g-dev"])]),
        // OpenSSL's libcrypto: the SHA-256 of model files that PNGs record (EVP digest API).
        .systemLibrary(name: "COpenSSL", path: "Sources/COpenSSL", pkgConfig: "libcrypto", providers: [.apt(["libssl-dev"])]),
        // Drift's own kernels: GEMM micro-kernels one file per instruction set, each compiled for its
        // own target (`#pragma clang attribute`) and picked at run time by CPU features; the rest
        // (Winograd transforms, packing glue) builds like the Swift code (AVX2 unless DRIFT_PORTABLE).
        // No implicit FMA contraction: every fused multiply-add is written out, so results are fixed.
        .target(name: "DriftKernels", path: "Sources/DriftKernels",
                cSettings: [.unsafeFlags(["-O3", "-ffp-contract=off"])] + fastC),
        .target(name: "CPNG", path: "Sources/CPNG", cSettings: fastC, linkerSettings: [.linkedLibrary("png16")]),
        .systemLibrary(name: "CMPI", path: "Sources/CMPI", pkgConfig: "ompi-c", providers: [.apt(["libopenmpi-dev"])]),
        .target(name: "MessagePassing", dependencies: ["CMPI"]),
        .systemLibrary(name: "CLAPACK", path: "Sources/CLAPACK", providers: [.apt(["liblapacke-dev", "liblapack-dev"])]),

        // MARK: - Layers (dependencies point down only)
        // File formats know no tensors; TensorIO is the glue (HDF5 datasets and images as tensors).
        .target(name: "DriftIO", dependencies: ["CHDF5", "CZlib", "CPNG"], swiftSettings: fastMath),
        .target(name: "TensorCore", dependencies: ["DriftKernels"], swiftSettings: fastMath),
        .target(name: "TensorIO", dependencies: ["DriftIO", "TensorCore"], swiftSettings: fastMath),
        .target(name: "Plotting", dependencies: ["DriftIO", "TensorCore"], swiftSettings: fastMath),
        .target(name: "NN", dependencies: ["TensorCore"], swiftSettings: fastMath),
        .target(name: "Generative", dependencies: ["TensorCore"], swiftSettings: fastMath),
        .target(name: "Samplers", dependencies: ["TensorCore", "Generative"], swiftSettings: fastMath),
        // Sampler presets at the edge: JSON files and names decoded into `Sampler`s through the solver registry.
        .target(name: "Presets", dependencies: ["Samplers", "Generative"], swiftSettings: fastMath),
        // What training and evaluation both read: example sources, data specs, Fashion-MNIST, image folders, toys.
        .target(name: "Datasets", dependencies: ["TensorCore", "Generative", "DriftIO", "TensorIO"], swiftSettings: fastMath),
        .target(name: "Training", dependencies: ["TensorCore", "NN", "Generative", "Samplers", "Datasets", "DriftIO", "TensorIO", "Plotting",
                                                 "CLAPACK"],
                swiftSettings: fastMath),
        .target(name: "Evaluation", dependencies: ["TensorCore", "NN", "Generative", "Samplers", "Datasets", "DriftIO", "TensorIO", "Plotting",
                                                   "CLAPACK"],
                swiftSettings: fastMath),
        .target(name: "DriftCLI", dependencies: [
            "TensorCore", "NN", "Generative", "Samplers", "Presets", "Datasets", "Training", "Evaluation", "DriftIO", "TensorIO", "Plotting",
            "MessagePassing", "COpenSSL",
            .product(name: "ArgumentParser", package: "swift-argument-parser"),
        ], swiftSettings: fastMath),
        .executableTarget(name: "drift", dependencies: ["DriftCLI"]),

        // MARK: - Tests
        .testTarget(name: "TensorCoreTests", dependencies: ["TensorCore", "DriftKernels"]),
        .testTarget(name: "NNTests", dependencies: ["NN", "TensorCore", "DriftIO", "TensorIO"], resources: [.copy("Fixtures")]),
        .testTarget(name: "DriftIOTests", dependencies: ["DriftIO", "TensorIO", "Plotting", "TensorCore"], resources: [.copy("Fixtures")]),
        .testTarget(name: "GenerativeTests", dependencies: ["Generative", "TensorCore"]),
        .testTarget(name: "SamplersTests", dependencies: ["Samplers", "Presets", "Generative", "TensorCore"]),
        .testTarget(name: "DatasetsTests", dependencies: ["Datasets", "TensorCore"]),
        .testTarget(name: "TrainingTests", dependencies: ["Training", "Datasets", "Evaluation", "NN", "Generative", "Samplers", "DriftIO", "TensorIO",
                                                         "TensorCore"]),
        .testTarget(name: "EvaluationTests", dependencies: ["Evaluation", "Datasets", "Samplers", "Presets", "Generative", "DriftIO", "TensorIO", "TensorCore"]),
        .testTarget(name: "DriftCLITests", dependencies: ["DriftCLI", "Presets", "Samplers", "Generative", "Training", "Evaluation", "Datasets", "DriftIO", "TensorIO", "TensorCore", "NN"]),
    ]
)
