import ArgumentParser
import Datasets
import Evaluation
import Foundation
import TensorCore
import Training

/// `drift train-classifier`: the feature network image metrics use — Fashion-MNIST's classifier by
/// default, or one for a folder of PNG images of any size and colour: a classifier of its class
/// sub-folders, or without labels a rotation predictor (`RotationPretext`).
struct TrainClassifierCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "train-classifier",
        abstract: "Train the feature network of the image metrics (FD/KID/precision-recall features) and report its held-out accuracy.",
        discussion: """
            Examples:
              drift train-classifier --epochs 4 --out checkpoints/fashion-classifier.h5
              drift train-classifier --data folder:shapes --image-size 32 --color rgb --epochs 20 --out shapes-classifier.h5
              drift train-classifier --data folder:photos --unlabelled --epochs 20 --out photos-features.h5
            Fashion-MNIST (the default) needs the Debian package dataset-fashion-mnist (or DRIFT_FASHION_MNIST=DIR); its
            accuracy is on the 10,000 test images. For folder:PATH (PNGs resized to --image-size, --color), the images of
            class sub-folders train a classifier of those classes; a folder without sub-folders, or --unlabelled, trains a
            network to tell which of 0°, 90°, 180°, 270° each image was turned by (self-supervised, Gidaris et al. 2018).
            A tenth of a folder's images (drawn by seed) is held out for the accuracy. Writes an HDF5 file with the network's
            shape, weights, accuracy and settings; same seed and threads, same weights.
            """)

    @Option(help: "Training images: fashion-mnist or folder:PATH (PNG images; class sub-folders give labels).") var data: String = "fashion-mnist"
    @OptionGroup var folderImages: FolderImageOptions
    @Flag(help: "Ignore the folder's class sub-folders: learn rotations instead of classes (self-supervised).") var unlabelled = false
    @Option(help: "Base width w of the network: convolutions of w, 2w, 4w channels (more of 4w for images over 32 pixels), 4w features.")
    var width: Int = 32
    @Option(help: "Passes over the training images.") var epochs: Int = 4
    @Option(help: "Batch size (at most the number of training images; a rotation network sees each image four times).") var batch: Int = 128
    @Option(help: "Peak learning rate (Adam; warm-up then cosine decay).") var lr: Double = 2e-3
    @OptionGroup var seeding: SeedOption
    @Option(help: "Output HDF5 file.") var out: String
    @OptionGroup var threading: ThreadOptions

    /// The seed of the initial weights, the order, the flips and a folder's held-out images.
    var seed: UInt64 { seeding.seed ?? 0 }

    func validate() throws {
        if epochs < 1 { throw ValidationError("--epochs must be ≥ 1, got \(epochs)") }
        if batch < 1 { throw ValidationError("--batch must be ≥ 1, got \(batch)") }
        if !(lr > 0) { throw ValidationError("--lr must be > 0, got \(lr)") }
        if width < 8 || width % FeatureNetworkConfig.groups != 0 {
            throw ValidationError("--width must be a positive multiple of \(FeatureNetworkConfig.groups), got \(width)")
        }
    }

    func run() throws {
        do { try train() } catch let e as CLIError { throw e } catch { throw CLIError(error) }
    }

    func train() throws {
        threading.apply()
        let spec = try DataSpec.parse(data, imageSize: folderImages.imageSize ?? 32, color: folderImages.color ?? .rgb)
        let (trainSet, heldOut, heldOutName) = try examples(spec)
        let classNames = unlabelled ? nil : trainSet.classNames
        let network = try FeatureNetworkConfig.standard(for: trainSet.sampleShape, width: width, task: classNames == nil ? .rotation : .classes,
                                                        classNames: classNames ?? [])
        if network.task == .rotation {
            print("\(spec.name): \(unlabelled ? "labels ignored" : "no class sub-folders"), so the network learns which way each image is turned (0°, 90°, 180°, 270°)")
        }
        let batch = min(self.batch, trainSet.count)
        let start = Date()
        let isTerminal = isatty(STDERR_FILENO) == 1
        let model = try ClassifierTraining(epochs: epochs, batch: batch, learningRate: lr, seed: seed).train(on: trainSet, network: network) { step, total, loss in
            guard isTerminal || step % 100 == 0 || step == total else { return }
            let elapsed = Date().timeIntervalSince(start)
            let line = String(format: "step %d/%d  loss %.4f  ETA %@", step, total, loss,
                              ProgressLine.duration(elapsed / Double(step) * Double(total - step)))
            if isTerminal { FileHandle.standardError.write(Data(("\r\u{1B}[K" + line).utf8)) } else { stderrLine(line) }
        }
        if isTerminal { FileHandle.standardError.write(Data("\n".utf8)) }
        let accuracy = try ClassifierTraining.accuracy(model, on: heldOut)
        let seconds = Date().timeIntervalSince(start)
        let training = "{\"data\":\(jsonString(spec.name)),\"epochs\":\(epochs),\"batch\":\(batch),\"lr\":\(lr),\"seed\":\(seed),\"seconds\":\(String(format: "%.0f", seconds))}"
        try ClassifierCheckpoint(model: model, testAccuracy: accuracy, training: training).write(to: out)
        let what = network.task == .rotation ? "rotation accuracy" : "test accuracy"
        print(String(format: "%@ %.4f (%d %@) after %d epochs in %.0f s → %@", what, accuracy, heldOut.count, heldOutName, epochs, seconds, out))
    }

    /// The training images and the held-out ones the accuracy is measured on: Fashion-MNIST's train
    /// and test sets, or a folder's images less a tenth drawn by seed.
    func examples(_ spec: DataSpec) throws -> (train: ExampleSet, heldOut: ExampleSet, name: String) {
        switch spec {
        case .fashionMNIST:
            if spec != .fashionMNIST(split: .train) || folderImages.imageSize != nil || folderImages.color != nil {
                throw CLIError("--data \(spec.name): Fashion-MNIST networks train on its training set at 1×28×28 (--data fashion-mnist, no --image-size or --color)")
            }
            return (try ExampleSet.fashionMNIST(.train), try ExampleSet.fashionMNIST(.test), "images")
        case .folder(let path, let size, let color):
            let all = try ImageFolder.load(path, imageSize: size, color: color)
            guard all.count >= 2 else { throw CLIError("--data \(spec.name) holds \(all.count) image; a feature network needs at least 2 (one held out)") }
            let order = ShuffledExamples.permutation(all.count, key: RandomKey(seed: seed).fold("held-out"))
            let held = max(1, all.count / 10)
            return (all.rows(Array(order[held...]).sorted()), all.rows(Array(order[..<held]).sorted()), "held-out images")
        case .toy, .gmm, .pairs:
            throw CLIError("--data \(spec.name): a feature network is trained on images (fashion-mnist or folder:PATH)")
        }
    }

    /// `text` as a JSON string literal.
    func jsonString(_ text: String) -> String {
        let encoder = JSONEncoder()
        encoder.outputFormatting = .withoutEscapingSlashes
        return String(decoding: (try? encoder.encode(text)) ?? Data("\"\"".utf8), as: UTF8.self)
    }
}
