import ArgumentParser
import Datasets
import Evaluation
import Foundation
import TensorCore
import Training

/// `drift train-classifier`: the Fashion-MNIST classifier whose features image metrics use.
struct TrainClassifierCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "train-classifier",
        abstract: "Train the Fashion-MNIST feature classifier (FD/KID/precision-recall features) and report its test accuracy.",
        discussion: """
            Example:
              drift train-classifier --epochs 4 --out checkpoints/fashion-classifier.h5
            Needs the Debian package dataset-fashion-mnist (or DRIFT_FASHION_MNIST=DIR). Writes an HDF5 file with the
            weights, the test accuracy and the settings; same seed and threads, same weights.
            """)

    @Option(help: "Passes over the 60,000 training images.") var epochs: Int = 4
    @Option(help: "Batch size.") var batch: Int = 128
    @Option(help: "Peak learning rate (Adam; warm-up then cosine decay).") var lr: Double = 2e-3
    @OptionGroup var seeding: SeedOption
    @Option(help: "Output HDF5 file.") var out: String
    @OptionGroup var threading: ThreadOptions

    /// The seed of the initial weights, the order and the flips.
    var seed: UInt64 { seeding.seed ?? 0 }

    func validate() throws {
        if epochs < 1 { throw ValidationError("--epochs must be ≥ 1, got \(epochs)") }
        if batch < 1 { throw ValidationError("--batch must be ≥ 1, got \(batch)") }
        if !(lr > 0) { throw ValidationError("--lr must be > 0, got \(lr)") }
    }

    func run() throws {
        do { try train() } catch let e as CLIError { throw e } catch { throw CLIError(error) }
    }

    func train() throws {
        threading.apply()
        let trainSet = try ExampleSet.fashionMNIST(.train), testSet = try ExampleSet.fashionMNIST(.test)
        let start = Date()
        let isTerminal = isatty(STDERR_FILENO) == 1
        let model = try ClassifierTraining(epochs: epochs, batch: batch, learningRate: lr, seed: seed).train(on: trainSet) { step, total, loss in
            guard isTerminal || step % 100 == 0 || step == total else { return }
            let elapsed = Date().timeIntervalSince(start)
            let line = String(format: "step %d/%d  loss %.4f  ETA %@", step, total, loss,
                              ProgressLine.duration(elapsed / Double(step) * Double(total - step)))
            if isTerminal { FileHandle.standardError.write(Data(("\r\u{1B}[K" + line).utf8)) } else { stderrLine(line) }
        }
        if isTerminal { FileHandle.standardError.write(Data("\n".utf8)) }
        let accuracy = try ClassifierTraining.accuracy(model, on: testSet)
        let seconds = Date().timeIntervalSince(start)
        let training = "{\"data\":\"fashion-mnist\",\"epochs\":\(epochs),\"batch\":\(batch),\"lr\":\(lr),\"seed\":\(seed),\"seconds\":\(String(format: "%.0f", seconds))}"
        try ClassifierCheckpoint(model: model, testAccuracy: accuracy, training: training).write(to: out)
        print(String(format: "test accuracy %.4f (%d images) after %d epochs in %.0f s → %@", accuracy, testSet.count, epochs, seconds, out))
    }
}
