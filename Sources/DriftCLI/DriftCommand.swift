import ArgumentParser
import Foundation
import MessagePassing
import TensorCore

/// The `drift` command-line tool: train, sample, compare and inspect
/// diffusion and flow-matching models.
public struct DriftCommand: ParsableCommand {
    public static let configuration = CommandConfiguration(
        commandName: "drift",
        abstract: "Diffusion and flow-matching models: train, sample, compare ODE and SDE samplers.",
        version: DriftVersion.current,
        subcommands: [TrainCommand.self, TrainClassifierCommand.self, DistillCommand.self, SampleCommand.self, EncodeCommand.self, EditCommand.self, InterpolateCommand.self, CompareCommand.self, LikelihoodCommand.self, InspectCommand.self, ExportCommand.self, BenchCommand.self]
    )
    public init() {}

    /// Checks `DRIFT_KERNEL` (one error line and exit 1 when it names no path or one this CPU
    /// lacks), then parses the arguments and runs the command.
    ///
    /// Under `mpirun` (a world of several ranks) rank 0 alone speaks: the other ranks' standard
    /// output and error go to /dev/null. A command that fails on any rank exits with its code
    /// without ending MPI: mpirun then stops the whole job (no rank is left waiting in a
    /// collective call) and adds its own note naming the first rank that failed. Before exiting,
    /// a failing rank waits up to 2 s for the others (`barrier(timeout:)`), so that when rank 0
    /// fails too (a bad setting fails everywhere) its error line is written before mpirun stops
    /// it. A command that succeeds ends MPI cleanly.
    public static func start() {
        let world = World.shared
        if !world.isRoot {
            let null = open("/dev/null", O_WRONLY)
            dup2(null, STDOUT_FILENO)
            dup2(null, STDERR_FILENO)
        }
        do {
            KernelPath.activate(try KernelPath.fromEnvironment())
        } catch {
            stderrLine("Error: \(error)")
            Foundation.exit(1)
        }
        guard world.size > 1 else { main(); return }
        do {
            var command = try parseAsRoot()
            try command.run()
        } catch {
            let code = exitCode(for: error)
            if code == .success {
                print(fullMessage(for: error))
                world.finalize()
                Foundation.exit(0)
            }
            stderrLine("Error: " + message(for: error))
            world.barrier(timeout: 2)
            Foundation.exit(code.rawValue)
        }
        world.finalize()
        Foundation.exit(0)
    }
}
