import ArgumentParser

/// `drift bench`: throughput of the reference architectures (filled in by the NN work).
struct BenchCommand: ParsableCommand {
    static let configuration = CommandConfiguration(commandName: "bench", abstract: "Measure training and inference throughput.")
    func run() throws { throw ValidationError("bench: not available yet") }
}
