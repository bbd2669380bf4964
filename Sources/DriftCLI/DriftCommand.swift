import ArgumentParser
import Logging

/// The `drift` command-line tool: train, sample, compare and inspect
/// diffusion and flow-matching models.
public struct DriftCommand: ParsableCommand {
    public static let configuration = CommandConfiguration(
        commandName: "drift",
        abstract: "Diffusion and flow-matching models: train, sample, compare ODE and SDE samplers.",
        subcommands: [TrainCommand.self, TrainClassifierCommand.self, SampleCommand.self, CompareCommand.self, LikelihoodCommand.self, InspectCommand.self, BenchCommand.self]
    )
    public init() {}
}
