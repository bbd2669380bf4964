import ArgumentParser
import DriftIO
import Foundation
import Training

/// `drift inspect FILE`: what a checkpoint holds.
struct InspectCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "inspect",
        abstract: "Show what a Drift checkpoint holds: format, configuration, step, parameters, datasets.")

    @Argument(help: "A checkpoint (.h5) written by drift train.") var file: String

    func run() throws {
        do { print(try CheckpointSummary(file: file).text, terminator: "") } catch { throw CLIError(error) }
    }
}
