/// A sample-quality metric of `drift compare` (decoded from `--metric` at the edge).
public enum CompareMetric: String, CaseIterable, Sendable, Codable {
    /// Squared sliced W2 against fresh exact samples (low-dimensional data), bias-corrected by the
    /// bootstrap (`isBootstrapBiasCorrected`), with the delta method's standard error
    /// (`SlicedWassersteinResampler.squaredDeltaStandardError`): its interval covers the
    /// large-sample value.
    case sw2
    /// Unbiased MMD² with an RBF kernel of median bandwidth against fresh exact samples, ± SE.
    case mmd
    /// Exact mean negative log-likelihood of the samples under the analytic mixture (nats), ± SE.
    case nll
    /// RMS distance from the exact flow map of the same noise (`MixtureFlowOracle`, a float64 reference solve): the
    /// solver's error in isolation (deterministic samplers on the analytic mixture).
    case odeError = "ode-error"
    /// Fréchet distance in the feature network's penultimate features against real images (test images, or --data folder:).
    case fd
    /// KID (unbiased, cubic kernel, ± SE over blocks) in the classifier's features.
    case kid
    /// k-NN precision (k = 3) in the classifier's features: fraction of samples on the data manifold.
    case precision
    /// k-NN recall (k = 3): fraction of real images on the samples' manifold.
    case recall
    /// Largest |frequency − data frequency| over the classifier's predicted classes.
    case classes
    /// Class-conditional sampling: fraction of samples the classifier assigns to the class they were drawn for.
    case accuracy
    /// Class-conditional sampling: within-class feature spread of the samples ÷ that of real images (`classDiversity`).
    case diversity

    /// What the metric needs of the comparison.
    public enum Requirement: Sendable { case referenceSamples, analyticMixture, featureClassifier, conditionalImages }

    public var requirement: Requirement {
        switch self {
        case .sw2, .mmd: return .referenceSamples
        case .nll, .odeError: return .analyticMixture
        case .fd, .kid, .precision, .recall, .classes: return .featureClassifier
        case .accuracy, .diversity: return .conditionalImages
        }
    }

    /// Column name in results.csv (its standard error, where it has one, follows as NAME_se).
    public var column: String {
        switch self {
        case .sw2: return "sw2sq"
        case .mmd: return "mmd2"
        case .nll: return "nll"
        case .odeError: return "ode_error"
        case .fd: return "fd"
        case .kid: return "kid"
        case .precision: return "precision"
        case .recall: return "recall"
        case .classes: return "class_deviation"
        case .accuracy: return "class_accuracy"
        case .diversity: return "diversity"
        }
    }

    /// Whether the value comes with a standard error: every metric does (the bootstrap's or an
    /// analytic one); the column is empty where it was not estimated (`--bootstrap 0`).
    public var hasStandardError: Bool { true }

    /// Whether the standard error is analytic — SW₂²'s is the delta method's, MMD²'s and KID's
    /// from their U-statistics, NLL's and accuracy's of a mean (the rest are the bootstrap's).
    public var hasAnalyticStandardError: Bool { self == .sw2 || self == .mmd || self == .nll || self == .kid || self == .accuracy }

    /// Whether the value is the bootstrap's bias-corrected estimate 2θ̂ − mean(θ*) (Efron & Tibshirani
    /// 1993, §10.3), not the plain plug-in θ̂. SW₂² is: between two finite samples its plug-in value
    /// carries an additive bias from each set's own quantile noise (≈ the exact-vs-exact value,
    /// O(1/√N) in SW₂). The bias dominates a good sampler's true distance, so intervals around the
    /// plug-in miss the large-sample value. Measured on the ring over 40 seeds at N = 500
    /// (`SlicedWassersteinCoverageTests`): the plug-in SW₂ interval covered the 50×N value in 50%
    /// of the seeds; the corrected SW₂² interval, with the delta-method SE, covers it in 94–95 of
    /// 100 seeds (N = 300). With `--bootstrap 0` the plug-in value is reported.
    public var isBootstrapBiasCorrected: Bool { self == .sw2 }

    /// Which way is better, for the best sampler of a budget and the Pareto front.
    public enum Goal: Sendable { case lower, higher, nearReference }

    /// Lower is better for distances and errors, higher for precision, recall and class accuracy;
    /// the NLL of samples and their diversity are best where the data's own value is (the floor).
    public var goal: Goal {
        switch self {
        case .sw2, .mmd, .odeError, .fd, .kid, .classes: return .lower
        case .precision, .recall, .accuracy: return .higher
        case .nll, .diversity: return .nearReference
        }
    }

    /// Whether it applies to stochastic samplers (the exact flow map is the ODE's).
    public var appliesToStochasticSamplers: Bool { self != .odeError }

    /// Whether the exact-vs-exact value has a meaning (the floor drawn beside the curves).
    public var hasReferenceValue: Bool { self != .odeError }

    /// Human-readable label for plots and tables.
    public var label: String {
        switch self {
        case .sw2: return "sliced W₂² vs exact samples (bias-corrected)"
        case .mmd: return "MMD² (RBF, median bandwidth) vs exact samples"
        case .nll: return "exact NLL of samples (nats)"
        case .odeError: return "RMS error vs exact flow map"
        case .fd: return "Fréchet distance (classifier features) vs real images"
        case .kid: return "KID (classifier features) vs real images"
        case .precision: return "precision (k-NN, classifier features)"
        case .recall: return "recall (k-NN, classifier features)"
        case .classes: return "largest class-frequency deviation"
        case .accuracy: return "class accuracy (classifier agrees with the requested class)"
        case .diversity: return "within-class diversity (feature spread ÷ real images')"
        }
    }
}
