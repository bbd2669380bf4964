import ArgumentParser
import Foundation
import Logging
import TensorCore

/// The `drift` command-line tool: train, sample, compare and inspect
/// diffusion and flow-matching models.
public struct DriftCommand: ParsableCommand {
    public static let configuration = CommandConfiguration(
        commandName: "drift",
        abstract: "Diffusion and flow-matching models: train, sample, compare ODE and SDE samplers.",
        subcommands: [TrainCommand.self, TrainClassifierCommand.self, SampleCommand.self, EncodeCommand.self, EditCommand.self, InterpolateCommand.self, CompareCommand.self, LikelihoodCommand.self, InspectCommand.self, ExportCommand.self, BenchCommand.self]
    )
    public init() {}

    /// Checks `DRIFT_KERNEL` (one error line and exit 1 when it names no path or one this CPU
    /// lacks), then parses the arguments and runs the command.
    public static func start() {
        do {
            KernelPath.activate(try KernelPath.fromEnvironment())
        } catch {
            stderrLine("Error: \(error)")
            Foundation.exit(1)
        }
        main()
    }
}
