import ArgumentParser
import Datasets
import DriftIO
import Evaluation
import Foundation
import Generative
import MessagePassing
import NN
import Samplers
import Presets
import TensorCore
import Training

/// `drift compare`: every sampler × every NFE budget on one model, common random numbers, a report.
struct CompareCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "compare",
        abstract: "Compare ODE and SDE samplers on one model across NFE budgets: results.csv, PNG grids, report.html.",
        discussion: """
            Examples:
              drift compare --model checkpoints/gmm-ring8.json
              drift compare --model checkpoints/gmm-ring8.json --sampler heun-karras-18 --sampler em-500 --nfe 10,20,50 --n 1000 --out cmp
              drift compare --model runs/fm-cond/checkpoint.h5 --guidance 0,1,2,4 --out cmp-guidance
              drift compare --model runs/shapes/checkpoint.h5 --classifier shapes-features.h5 --data folder:shapes-test --out cmp-shapes
              drift compare --model runs/fm-kept/checkpoint.h5 --guidance 0,1,2 --guide runs/fm-kept/snapshots/step-00002000.h5 --guidance-interval 0.28,5.42 --out cmp-auto
            Every cell (sampler × budget) starts from the same initial noise, and stochastic samplers see the same
            Brownian motion (keyed by seed and sample), so differences come from the samplers alone. A fixed-grid
            sampler gets the most steps whose NFE stays within the budget; an adaptive one the tightest tolerance of a
            ladder (1e-1 … 1e-6) that does. Metrics: sw2 and mmd against fresh exact samples of the data (the mixture
            itself, the checkpoint's training data, or --data), nll and ode-error for analytic mixtures; each beside its
            exact-vs-exact value. For image models, fd, kid, precision, recall and classes in the features of a feature
            network (--classifier, from drift train-classifier; classes only when it classifies the images' own classes)
            against N real images, beside the same metric for N other real images (the data's floor): for 1×28×28 models
            by default the Fashion-MNIST classifier, N test and N training images; for any model --data folder:PATH,
            2N of its images drawn by seed, which must have the model's shape (or --image-size/--color resize and
            convert them as drift train does). Defaults: 8 samplers (4 ODE, 4 SDE), NFE 10,20,50,100,200 and 2000 samples for
            low-dimensional models; 4 samplers (2 ODE, 2 SDE), NFE 10,20,50 and 256 samples for images; every metric
            that fits. --guidance W1,W2,… (a class-conditional image model) adds a guidance sweep at the largest budget:
            sample i drawn for class i mod K, every sampler at every weight, with fd, accuracy (the classifier agrees with the
            requested class), diversity (within-class feature spread ÷ real images'), precision and recall.
            --guide CKPT adds autoguidance (a weaker model of the same data: same path, parametrization and classes) at
            every weight beside classifier-free guidance (an unconditional model: autoguidance alone, unconditional samples;
            --unconditional sweeps a class-conditional model's null class the same way);
            --guidance-interval LO,HI (repeatable) adds each way of guiding again, guided only where σ/α ∈ [LO, HI].
            guidance.csv says which (columns guide, sigma_lo, sigma_hi) and the network passes behind each NFE (network_nfe).
            OUT must not exist or be empty unless --force; the report appears only when complete. Under mpirun -np N
            the cells are shared among the ranks (each cell whole on one rank: the same numbers as one process), and
            rank 0 writes the report.
            """)

    @OptionGroup var modelOption: ModelOption
    @Option(name: .customLong("sampler"), help: "Sampler preset (repeat for several; default: 4 ODE and 4 SDE presets, 2 and 2 for images).")
    var samplers: [String] = []
    @Option(name: .customLong("student"), help: "A distilled student of the model (drift distill; repeat for several): its row at every budget (Euler steps for reflow, consistency sampling for consistency), on the same noise as the model's solvers (in a --guidance sweep at w = 0, its guidance being baked in).")
    var students: [String] = []
    @Option(help: "Comma-separated NFE budgets (default: 10,20,50,100,200; images 10,20,50).") var nfe: String?
    @Option(help: "Comma-separated time grids to sweep as a factor of their own (\(GridSpacing.allCases.map(\.rawValue).joined(separator: ", "))): every fixed-step sampler runs on each, named PRESET@GRID; adaptive samplers run once.")
    var grid: String?
    @Option(help: "Samples per cell (default: 2000 for low-dimensional data, 256 images).") var n: Int?
    @OptionGroup var seeding: SeedOption
    @Option(help: "Output folder (default: compare-MODEL).") var out: String?
    @Option(name: .customLong("metric"), help: "Metric: sw2, mmd, nll, ode-error, fd, kid, precision, recall, classes (repeat; default: all that fit).")
    var metricNames: [String] = []
    @Option(help: "Reference data: toy:NAME or gmm:FILE.json for sw2/mmd (default: the mixture or the checkpoint's training data); folder:PATH of real images for an image model's metrics (default: Fashion-MNIST for 1×28×28).")
    var data: String?
    @OptionGroup var folderImages: FolderImageOptions
    @Option(help: "Trajectories drawn per sampler in the 2-D picture (0: none).") var trajectories: Int = 8
    @Option(help: "Bootstrap resamples behind every standard error and paired difference (0: none; needs --n ≥ \(Bootstrap.minimumCount)).")
    var bootstrap: Int = 200
    @Option(help: "Feature network for image metrics, from drift train-classifier (default: checkpoints/fashion-classifier.h5, for 1×28×28 models).")
    var classifier: String?
    @Option(parsing: .unconditional, help: "Classifier-free guidance weights to sweep at the largest budget, e.g. 0,1,2,4 (class-conditional image models).")
    var guidance: String?
    @Option(help: "Autoguidance in the guidance sweep: a weaker model of the same data (an earlier checkpoint or a smaller model; same path, parametrization and classes) guided against instead of the null class, beside classifier-free guidance.")
    var guide: String?
    @Flag(help: "With --guide: sweep a class-conditional model's unconditional sampling (its null class, the guide's too) instead of its classes: autoguidance alone; fd, precision, recall, class histogram.")
    var unconditional = false
    @Option(name: .customLong("guidance-interval"), help: "Also sweep guidance limited to noise levels σ/α in [LO, HI] (LO,HI, e.g. 0.28,5.42; repeat for several).")
    var guidanceIntervals: [String] = []
    @Flag(help: "Replace OUT if it exists.") var force = false
    @OptionGroup var threading: ThreadOptions

    var model: String { modelOption.model }
    /// The seed of the noise, the Brownian motion and the reference samples.
    var seed: UInt64 { seeding.seed ?? 0 }

    static let defaultSamplers = ["euler-50", "heun-karras-18", "dpmpp-2m-20", "dopri5",
                                  "em-500", "ancestral-100", "edm-churn", "dpmpp-2m-sde-20"]
    static let defaultImageSamplers = ["heun-karras-18", "dpmpp-2m-20", "ancestral-100", "dpmpp-2m-sde-20"]

    func validate() throws {
        if let n, n < 8 { throw ValidationError("--n must be ≥ 8, got \(n)") }
        if trajectories < 0 { throw ValidationError("--trajectories must be ≥ 0, got \(trajectories)") }
        if let nfe { _ = try Self.budgets(nfe) }
        if let guidance { _ = try Self.weights(guidance) }
        if folderImages.imageSize != nil || folderImages.color != nil, !(data ?? "").lowercased().hasPrefix("folder:") {
            throw ValidationError("--image-size and --color say how to read --data folder:PATH, and there is no folder")
        }
        for i in guidanceIntervals { _ = try ClassOptions.interval(i) }
        let extras = (guide.map { ["--guide \($0)"] } ?? []) + guidanceIntervals.map { "--guidance-interval \($0)" }
        if let first = extras.first {
            guard let guidance, try Self.weights(guidance).contains(where: { $0 > 0 }) else {
                throw ValidationError("\(first) needs a guidance sweep with a weight > 0: add --guidance (e.g. 0,1,2)")
            }
        }
        if unconditional, guide == nil {
            throw ValidationError("--unconditional sweeps autoguidance of the null class: add --guide CKPT and --guidance (e.g. 0,0.5,1)")
        }
        _ = try Self.metrics(metricNames)
    }

    /// "5,10,20" → [5, 10, 20]: positive integers, at least one, no repeats.
    static func budgets(_ text: String) throws -> [Int] {
        let parts = text.split(separator: ",", omittingEmptySubsequences: false).map { $0.trimmingCharacters(in: .whitespaces) }
        guard !text.trimmingCharacters(in: .whitespaces).isEmpty else { throw ValidationError("--nfe is empty: give budgets like 10,20,50") }
        let values = try parts.map { p -> Int in
            guard let v = Int(p), v > 0 else { throw ValidationError("--nfe: '\(p)' is not a positive integer (give budgets like 10,20,50)") }
            return v
        }
        guard Set(values).count == values.count else { throw ValidationError("--nfe lists a budget twice: \(text)") }
        return values.sorted()
    }

    /// "0,1,2.5" → [0, 1, 2.5]: numbers ≥ 0, at least one, no repeats.
    static func weights(_ text: String) throws -> [Double] {
        let parts = text.split(separator: ",", omittingEmptySubsequences: false).map { $0.trimmingCharacters(in: .whitespaces) }
        let values = try parts.map { p -> Double in
            guard let v = Double(p), v >= 0, v.isFinite else {
                throw ValidationError("--guidance: '\(p)' is not a number ≥ 0 (give weights like 0,1,2,4)")
            }
            return v
        }
        guard Set(values).count == values.count else { throw ValidationError("--guidance lists a weight twice: \(text)") }
        return values.sorted()
    }

    static func metrics(_ names: [String]) throws -> [CompareMetric]? {
        let split = names.flatMap { $0.split(separator: ",").map(String.init) }
        if split.isEmpty { return nil }
        return try split.map { name in
            guard let m = CompareMetric(rawValue: name) else {
                throw ValidationError("unknown metric '\(name)' (one of \(CompareMetric.allCases.map(\.rawValue).joined(separator: ", ")))")
            }
            return m
        }
    }

    func run() throws {
        do { try compare() } catch let e as CLIError { throw e } catch let e as ValidationError { throw CLIError(e.message) } catch { throw CLIError(error) }
    }

    /// The cells a student's pay-off is read from: the guidance sweep's at w = 0 when there is one
    /// (a class-conditional student draws its classes there), the main sweep's otherwise.
    func payoffSource(_ results: CompareResults, guided: CompareResults?) -> CompareResults {
        guard var g = guided else { return results }
        g.cells = g.cells.filter { ($0.guidance ?? 0) == 0 }
        return g
    }

    func compare() throws {
        threading.apply()
        let loaded = try ModelLoader.load(model)
        let m = loaded.model
        let mixture = m as? GaussianMixture
        let lowDimensional = m.sampleShape.count == 1
        let budgets = try Self.budgets(nfe ?? (lowDimensional ? "10,20,50,100,200" : "10,20,50"))
        let count = n ?? (lowDimensional ? 2000 : 256)
        let folder = URL(fileURLWithPath: out ?? ("compare-" + URL(fileURLWithPath: model).deletingPathExtension().lastPathComponent))
        try Self.checkOutput(folder, force: force)

        let weights = try guidance.map(Self.weights)
        try checkGuidance(m, weights: weights)
        let variants = try guidanceVariants(m)
        try Self.checkMemory(count: count, passes: weights == nil ? 1 : 2, model: loaded)
        let reference = try referenceSource(mixture: mixture, lowDimensional: lowDimensional)
        let requested = try Self.metrics(metricNames)
        // Image metrics when asked for, and by default for Fashion-MNIST's shape or with a feature network or reference images given.
        let wantsImages = m.sampleShape.count == 3
            && (weights != nil || (requested.map { $0.contains { $0.requirement == .featureClassifier } }
                ?? (m.sampleShape == FeatureNetworkConfig.fashionMNIST.inputShape || classifier != nil || data != nil)))
        let images = wantsImages ? try imageReference(m, count: count, guided: weights != nil) : nil
        let metrics = (requested ?? CompareMetric.allCases.filter { metric in
            switch metric.requirement {
            case .referenceSamples: return reference != nil && lowDimensional
            case .analyticMixture: return mixture != nil
            case .featureClassifier: return images.map { metric != .classes || $0.hasClasses } ?? false
            case .conditionalImages: return false
            }
        }).filter { $0.requirement != .conditionalImages }
        if weights == nil, let conditional = requested?.first(where: { $0.requirement == .conditionalImages }) {
            throw CLIError("--metric \(conditional.rawValue) needs class-conditional sampling: add --guidance (e.g. 0,1,2)")
        }
        // A model without a score (a CNF) compares the default ODE presets only; an SDE preset asked for is refused.
        let grids = try grid.map(Self.grids)
        let names = samplers.isEmpty ? (lowDimensional ? Self.defaultSamplers : Self.defaultImageSamplers) : samplers
        var named = [NamedSampler]()
        for name in names {
            let preset = try PresetLibrary.resolve(name, in: SampleCommand.presetDirectories())
            if samplers.isEmpty, preset.sampler.isStochastic, !m.hasScore { continue }
            try preset.validate(for: m)
            guard let grids, preset.sampler.controller == nil else {
                preset.warnIfUniformInSigma(on: m.path)
                named.append(NamedSampler(name: preset.source, sampler: preset.sampler))
                continue
            }
            // The grid as a factor of its own: the same preset on each grid (the override drops a Karras ρ).
            // A preset that cannot run on a grid (e.g. a final step to t = 0 on a grid that already ends
            // there) is said in one line and left out; the sweep goes on with the rest.
            for g in grids {
                do {
                    let onGrid = try PresetLibrary.resolve(name, in: SampleCommand.presetDirectories(), overrides: ["grid": .string(g.rawValue)])
                    try onGrid.validate(for: m)
                    onGrid.warnIfUniformInSigma(on: m.path, name: "\(preset.source)@\(g.rawValue)")
                    named.append(NamedSampler(name: "\(preset.source)@\(g.rawValue)", sampler: onGrid.sampler))
                } catch let e as SamplerError {
                    if World.shared.rank == 0 { print("\(preset.source) on grid \(g.rawValue): not run (\(e.message))") }
                }
            }
        }
        if grids != nil, !named.contains(where: { $0.name.contains("@") }) {
            throw CLIError("--grid sweeps fixed-step samplers, and no sampler given runs on those grids (\(names.joined(separator: ", "))): add a fixed-step one or drop --grid")
        }
        var ledgers = [StudentLedger]()
        // The guidance sweep's rows: the main sweep's, and students that draw classes only.
        var guidedOnly = [NamedSampler]()
        for student in students {
            // A reflow student takes Euler steps on its straight field, a consistency student consistency sampling's.
            let loaded = try ModelLoader.load(student, flag: "--student")
            let trained = loaded.model as? TrainedModel
            let consistency = trained?.isConsistencyModel == true
            let preset = try PresetLibrary.resolve(consistency ? "consistency-1" : "euler-50", in: SampleCommand.presetDirectories())
            let row = "student \(student) \(consistency ? "consistency" : "euler")"
            // A class-conditional student distilled without the null class (label dropout 0) cannot draw
            // unconditionally: it runs in the guidance sweep alone, which draws class i mod K.
            if let trained, !trained.classNames.isEmpty, trained.labelDropout == 0 {
                guard weights != nil, !unconditional else {
                    throw CLIError("--student \(student) draws classes only (it was distilled with label dropout 0): compare it with --guidance 0"
                                   + (unconditional ? " and without --unconditional" : "") + ", where every row draws class i mod K")
                }
                guidedOnly.append(NamedSampler(name: row, sampler: preset.sampler, model: loaded.model))
            } else {
                named.append(NamedSampler(name: row, sampler: preset.sampler, model: loaded.model))
            }
            // A distilled student's ledger: what it cost before drawing anything (its pairs and its training).
            if loaded.model is TrainedModel, let c = try? Checkpoint.read(from: student, includeOptimizer: false), let d = c.training.distillation {
                ledgers.append(StudentLedger(rowName: row, upfrontSeconds: c.elapsedSeconds + (d.generation?.seconds ?? 0)))
            }
        }
        let sweep = try CompareSweep(model: m, samplers: named, budgets: budgets, count: count, seed: seed, metrics: metrics,
                                     reference: reference, mixture: mixture, images: images, bootstrapResamples: bootstrap)
        // Under mpirun the cells are shared among the ranks (each cell whole on one rank, so every
        // number is what one process computes); rank 0 collects them and alone writes the report.
        let world = World.shared
        let partition = CellPartition(rank: world.rank, size: world.size, gather: { try world.gatherParts($0) })
        let bar = SweepProgress()
        let sweepResults = try sweep.run(partition: partition) { done, elapsed, cell in bar.update(done: done, elapsed: elapsed, cell: cell) }
        bar.finish()
        var guided: CompareResults?
        if let weights, let images {
            let conditional = !m.classNames.isEmpty && !unconditional
            let guidanceMetrics = requested?.filter { $0.requirement == .featureClassifier || ($0.requirement == .conditionalImages && conditional) }
                ?? (conditional ? [.fd, .accuracy, .diversity, .precision, .recall] : [.fd, .precision, .recall] + (images.hasClasses ? [.classes] : []))
            let g = try GuidanceSweep(model: m, samplers: named + guidedOnly, budget: budgets.last!, count: count, seed: seed, weights: weights,
                                      variants: variants, metrics: guidanceMetrics, images: images, bootstrapResamples: bootstrap,
                                      unconditional: unconditional)
            let bar = SweepProgress()
            guided = try g.run(partition: partition) { done, elapsed, cell in bar.update(done: done, elapsed: elapsed, cell: cell) }
            bar.finish()
        }
        guard let results = sweepResults else { return }  // ranks > 0: rank 0 writes

        let paths = m.sampleShape == [2] && trajectories > 0 ? try trajectorySets(sweep, budget: budgets.last!) : []
        let extentSamples = reference.map { $0.examples(at: 0, count: count, key: sweep.key.fold("reference")) }
        let report = CompareReport(results: results, sampleShape: m.sampleShape, command: Self.commandLine(),
                                   modelDescription: loaded.description, count: count, seed: seed,
                                   trajectories: paths, extentSamples: extentSamples, guidance: guided,
                                   guideDescription: variants.lazy.compactMap(\.guide).first.map { $0.name },
                                   payoffs: payoffSource(results, guided: guided).payoffs(students: ledgers, count: count))
        // Everything goes to a sibling temporary folder first: no partial report on failure.
        let temporary = URL(fileURLWithPath: folder.path + ".tmp.\(getpid())")
        try? FileManager.default.removeItem(at: temporary)
        do {
            try FileManager.default.createDirectory(at: temporary, withIntermediateDirectories: true)
            try report.write(to: temporary)
            if FileManager.default.fileExists(atPath: folder.path) { try FileManager.default.removeItem(at: folder) }
            try FileManager.default.moveItem(at: temporary, to: folder)
        } catch {
            try? FileManager.default.removeItem(at: temporary)
            throw CLIError("cannot write the report to \(folder.path): \(CLIError(error).description)")
        }
        print(results.csv, terminator: "")
        if let guided { print(guided.csv, terminator: "") }
        if let ratio = results.medianWidthRatio {
            print(String(format: "paired 95%% intervals of differences to the best sampler: median %.2f× the width of unpaired ones (winners.csv, paired.csv)", ratio))
        }
        for p in report.payoffs { print("pay-off: " + p.sentence) }
        print("report: \(folder.appendingPathComponent("report.html").path) (\(results.cells.count) cells, \(results.skipped.count) not run)")
    }

    /// The grids of `--grid a,b,…`.
    static func grids(_ text: String) throws -> [GridSpacing] {
        let parts = text.split(separator: ",", omittingEmptySubsequences: false).map { $0.trimmingCharacters(in: .whitespaces) }
        guard !text.isEmpty else { throw CLIError("--grid is empty; give one or more of \(GridSpacing.allCases.map(\.rawValue).joined(separator: ", "))") }
        return try parts.map { p in
            guard let g = GridSpacing(rawValue: p) else {
                throw CLIError("--grid: unknown grid '\(p)' (one of \(GridSpacing.allCases.map(\.rawValue).joined(separator: ", ")))")
            }
            return g
        }
    }

    /// Each cell samples its N in one batch (adaptive solvers' error norms span it): refuses an N
    /// whose working memory would exceed half the machine, with the memory it would need.
    static func checkMemory(count: Int, passes: Int, model loaded: ModelLoader.Loaded) throws {
        let sampleBytes = Double(loaded.model.sampleShape.reduce(1, *)) * 4
        let need = Double(count * passes) * SampleCommand.workingBytesPerSample(loaded) + 4 * Double(count) * sampleBytes
        if need > physicalMemoryBytes / 2 {
            throw CLIError("--n \(count): each cell samples its \(count) in one batch\(passes > 1 ? " (doubled by guidance)" : ""), which would need about "
                           + "\(formatBytes(need)) of memory, more than half of this machine's \(formatBytes(physicalMemoryBytes)); use a smaller --n")
        }
    }

    /// Fresh exact samples of the data: --data, the mixture itself, or a checkpoint's low-dimensional training data.
    func referenceSource(mixture: GaussianMixture?, lowDimensional: Bool) throws -> ExampleSource? {
        if let data {
            let spec = try DataSpec.parse(data)
            guard lowDimensional else {
                guard case .folder = spec else {
                    throw CLIError("--data \(data): an image model's reference images are a folder of PNGs: --data folder:PATH")
                }
                return nil  // reference images (`imageReference`)
            }
            guard !spec.isImage else { throw CLIError("--data \(data): a low-dimensional model's reference data is toy:NAME or gmm:FILE.json") }
            return try spec.makeSource()
        }
        if let mixture { return MixtureSource(mixture) }
        guard lowDimensional, URL(fileURLWithPath: model).pathExtension.lowercased() != "json" else { return nil }
        let spec = try Checkpoint.read(from: model, includeOptimizer: false).training.data
        return spec.isImage ? nil : try spec.makeSource()
    }

    /// The feature network and the real images: N compared with the samples and N others for the
    /// floor, drawn by seed — from `--data folder:PATH`, or Fashion-MNIST's test and training images for a
    /// 1×28×28 model. Labels go along where the feature network classifies the images' own classes.
    /// Without a classifier file: one error line naming --classifier (an image report without its metrics says nothing).
    func imageReference(_ m: any DiffusionModel, count: Int, guided: Bool) throws -> ImageReference {
        guard let file = classifier ?? Self.findClassifier() else {
            throw CLIError("image metrics need a feature network: pass --classifier FILE (checkpoints/fashion-classifier.h5 is not in the working directory or beside drift; drift train-classifier writes one)")
        }
        let net = try ClassifierCheckpoint.read(from: file).model
        let shape = m.sampleShape.map(String.init).joined(separator: "×")
        guard net.inputShape == m.sampleShape else {
            throw CLIError("the feature network \(file) takes \(net.config.shapeDescription) images, but \(model) makes \(shape) samples: "
                           + "pass --classifier with one for the model's data (drift train-classifier --data folder:PATH trains one)")
        }
        if guided, !m.classNames.isEmpty, net.config.task != .classes || net.config.classNames != m.classNames {
            throw CLIError("--guidance sweeps measure class accuracy: they need a feature network of the model's classes "
                           + "(\(m.classNames.joined(separator: ", "))), and \(file) predicts \(net.config.classNames.joined(separator: ", "))")
        }
        let key = RandomKey(seed: seed)
        func labels(_ set: ExampleSet, _ rows: [Int]) -> [Int]? {
            guard net.config.task == .classes, set.classNames == net.config.classNames, let l = set.labels else { return nil }
            return rows.map { l[$0] }
        }
        if let data {
            let set = try referenceImages(data, shape: m.sampleShape)
            guard set.count >= 2 * count else {
                throw CLIError("--data \(data) holds \(set.count) images; the image metrics take 2 × --n = \(2 * count) "
                               + "(N compared with the samples, N for the data's floor): lower --n or add images")
            }
            let order = ShuffledExamples.permutation(set.count, key: key.fold("reference-images"))
            let realRows = Array(order[..<count]), floorRows = Array(order[count..<(2 * count)])
            return try ImageReference(classifier: net, realImages: set.gather(realRows), realLabels: labels(set, realRows),
                                      floor: set.gather(floorRows), floorLabels: labels(set, floorRows), floorName: "data-vs-data")
        }
        guard m.sampleShape == FeatureNetworkConfig.fashionMNIST.inputShape else {
            throw CLIError("image metrics of \(shape) samples need real images of the model's data: pass --data folder:PATH")
        }
        let test = try ExampleSet.fashionMNIST(.test), train = try ExampleSet.fashionMNIST(.train)
        guard count <= test.count else { throw CLIError("--n \(count) exceeds the \(test.count) test images") }
        let testRows = Array(ShuffledExamples.permutation(test.count, key: key.fold("test-images")).prefix(count))
        let trainRows = Array(ShuffledExamples.permutation(train.count, key: key.fold("train-images")).prefix(count))
        return try ImageReference(classifier: net, realImages: test.gather(testRows), realLabels: labels(test, testRows),
                                  floor: train.gather(trainRows), floorLabels: labels(train, trainRows))
    }

    /// The images of `--data folder:PATH`, which must have the model's sample shape: as they are, or resized
    /// and converted as `drift train` does when --image-size or --color is given.
    func referenceImages(_ data: String, shape: [Int]) throws -> ExampleSet {
        let modelColor: ImageColor = shape[0] == 1 ? .gray : .rgb
        let resize = folderImages.imageSize != nil || folderImages.color != nil
        guard case .folder(let path, let size, let color) = try DataSpec.parse(data, imageSize: folderImages.imageSize ?? shape[1],
                                                                              color: folderImages.color ?? modelColor) else {
            throw CLIError("--data \(data): an image model's reference images are a folder of PNGs: --data folder:PATH")
        }
        let model = shape.map(String.init).joined(separator: "×")
        guard [color.channels, size, size] == shape else {
            throw CLIError("--data \(data) read at --image-size \(size) --color \(color.rawValue) gives \(color.channels)×\(size)×\(size) images, "
                           + "but \(self.model) makes \(model) samples")
        }
        do {
            return try ImageFolder.load(path, imageSize: size, color: color, resize: resize)
        } catch DataError.wrongShape(let message) {
            throw CLIError("--data \(message) like the samples of \(self.model) "
                           + "(--image-size \(size) --color \(color.rawValue) resize and convert them as drift train does)")
        }
    }

    /// Refuses a guidance sweep the model cannot run, and unconditional sampling of a conditional
    /// model trained without label dropout. An unconditional model takes autoguidance only.
    func checkGuidance(_ m: any DiffusionModel, weights: [Double]?) throws {
        let dropout = (m as? TrainedModel)?.labelDropout
        if weights == nil, !m.classNames.isEmpty, dropout == 0 {
            throw CLIError("\(model) was trained with --label-dropout 0, so it has no unconditional mode; compare it with --guidance 0")
        }
        guard let weights else { return }
        if unconditional, m.classNames.isEmpty {
            throw CLIError("--unconditional: \(model) is unconditional already (trained without --classes); drop --unconditional")
        }
        if unconditional, dropout == 0 {
            throw CLIError("--unconditional: \(model) was trained with --label-dropout 0, so it has no unconditional mode")
        }
        if unconditional, let conditional = try Self.metrics(metricNames)?.first(where: { $0.requirement == .conditionalImages }) {
            throw CLIError("--metric \(conditional.rawValue) needs class-conditional sampling; drop it or --unconditional")
        }
        guard !m.classNames.isEmpty || guide != nil else {
            throw CLIError("--guidance: \(model) is unconditional (trained without --classes); drop --guidance, or add --guide for autoguidance")
        }
        if m.classNames.isEmpty, let conditional = try Self.metrics(metricNames)?.first(where: { $0.requirement == .conditionalImages }) {
            throw CLIError("--metric \(conditional.rawValue) needs class-conditional sampling, and \(model) is unconditional")
        }
        guard m.sampleShape.count == 3 else {
            throw CLIError("--guidance sweeps are measured in a feature network's features: they need an image model, not samples of shape \(m.sampleShape)")
        }
        if dropout == 0, guide == nil, let w = weights.first(where: { $0 > 0 }) {
            throw CLIError("--guidance \(w): \(model) was trained with --label-dropout 0 (no null class to guide against); use --guidance 0")
        }
    }

    /// The ways the guidance sweep guides: classifier-free guidance (a model with a null class), autoguidance
    /// with --guide, and each of them again in every --guidance-interval.
    func guidanceVariants(_ m: any DiffusionModel) throws -> [GuidanceVariant] {
        guard guidance != nil else { return [] }
        let conditional = !m.classNames.isEmpty && !unconditional
        var plain = [GuidanceVariant]()
        if conditional, (m as? TrainedModel)?.labelDropout != 0 { plain.append(.classifierFree) }
        if let guide { plain.append(GuidanceVariant(guide: try GuidanceSettings.loadGuide(guide, for: m, classRows: conditional))) }
        let intervals = try guidanceIntervals.map { text -> GuidanceInterval in
            let interval = try ClassOptions.interval(text)
            do { try interval.validate(on: m.path) } catch { throw CLIError("--guidance-interval: \(CLIError(error).description)") }
            return interval
        }
        return plain + intervals.flatMap { i in plain.map { GuidanceVariant(guide: $0.guide, interval: i) } }
    }

    /// checkpoints/fashion-classifier.h5 from the working directory or beside the executable's ancestors.
    static func findClassifier() -> String? {
        var candidates = [URL(fileURLWithPath: FileManager.default.currentDirectoryPath)]
        if let exe = Bundle.main.executableURL?.resolvingSymlinksInPath() {
            var dir = exe.deletingLastPathComponent()
            for _ in 0..<5 { dir = dir.deletingLastPathComponent(); candidates.append(dir) }
        }
        return candidates.map { $0.appendingPathComponent("checkpoints/fashion-classifier.h5").path }
            .first { FileManager.default.fileExists(atPath: $0) }
    }

    /// Paths of the first samples under the first ODE and the first SDE sampler at the largest budget.
    func trajectorySets(_ sweep: CompareSweep, budget: Int) throws -> [TrajectorySet] {
        let k = min(trajectories, sweep.count)
        let noise = sweep.noise.rows(0..<k)
        var sets = [TrajectorySet]()
        for stochastic in [false, true] {
            guard let s = sweep.samplers.first(where: { $0.sampler.isStochastic == stochastic }) else { continue }
            let fitted: Sampler
            if s.sampler.controller != nil {
                guard let (f, _) = try BudgetFit.adaptive(s.sampler, budget: budget, model: sweep.model, noise: noise, key: sweep.key) else { continue }
                fitted = f.sampler
            } else {
                guard let f = BudgetFit.fixed(s.sampler, budget: budget, model: sweep.model) else { continue }
                fitted = f.sampler
            }
            let r = try fitted.sample(sweep.model, noise: noise, key: sweep.key, saveAt: .steps)
            let states = r.trajectory.map(\.x.scalars) + [r.samples.scalars]
            let paths = (0..<k).map { i in states.map { ($0[2 * i], $0[2 * i + 1]) } }
            sets.append(TrajectorySet(samplerName: s.name, stochastic: stochastic, paths: paths))
        }
        return sets
    }

    /// Refuses an output that exists with content (unless `force`) or is a file.
    static func checkOutput(_ folder: URL, force: Bool) throws {
        var isDirectory: ObjCBool = false
        guard FileManager.default.fileExists(atPath: folder.path, isDirectory: &isDirectory) else { return }
        guard isDirectory.boolValue else {
            if force { return }
            throw CLIError("--out \(folder.path) is a file (use --force to replace it)")
        }
        let contents = (try? FileManager.default.contentsOfDirectory(atPath: folder.path)) ?? []
        if !contents.isEmpty && !force {
            throw CLIError("--out \(folder.path) exists and is not empty (use --force to replace it)")
        }
    }

    /// The command as typed (arguments with spaces or quotes are single-quoted).
    static func commandLine() -> String {
        (["drift"] + CommandLine.arguments.dropFirst()).map { a in
            a.contains(where: { " \"'$\\".contains($0) }) ? "'" + a.replacingOccurrences(of: "'", with: "'\\''") + "'" : a
        }.joined(separator: " ")
    }
}

/// A progress bar over the sweep on standard error, with ETA (by budget done): rewritten in place on
/// a terminal, one line per cell otherwise.
final class SweepProgress {
    private let isTerminal = isatty(STDERR_FILENO) == 1
    private var drawn = false

    func update(done: Double, elapsed: Double, cell: String) {
        let width = 30, filled = Int((done * Double(width)).rounded())
        let eta = done > 0 ? elapsed / done * (1 - done) : .infinity
        let line = "[" + String(repeating: "#", count: filled) + String(repeating: "-", count: width - filled) + "]"
            + String(format: " %3.0f%%  %@  ETA %@", done * 100, cell, ProgressLine.duration(eta))
        if isTerminal {
            FileHandle.standardError.write(Data(("\r\u{1B}[K" + line).utf8))
            drawn = true
        } else {
            stderrLine(line)
        }
    }

    func finish() {
        if drawn { FileHandle.standardError.write(Data("\n".utf8)) }
    }
}
