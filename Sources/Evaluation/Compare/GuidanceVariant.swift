import Generative

/// One way to guide in a guidance sweep: classifier-free guidance or autoguidance with a guide
/// model (`Guide`), at every noise level or only in an interval (`GuidanceInterval`). The sweep
/// runs each variant at every weight w > 0 (w = 0, plain conditional sampling, once for all).
public struct GuidanceVariant {
    /// The autoguidance guide (nil: classifier-free guidance against the null class).
    public var guide: Guide?
    /// The noise levels where guidance applies (nil: all).
    public var interval: GuidanceInterval?

    public init(guide: Guide? = nil, interval: GuidanceInterval? = nil) {
        self.guide = guide
        self.interval = interval
    }

    /// Classifier-free guidance at every noise level: what `drift compare --guidance` sweeps alone.
    public static var classifierFree: GuidanceVariant { GuidanceVariant() }

    /// How the report names it: "cfg" or "auto", and the interval, e.g. "auto σ∈[0.28, 5.42]".
    public var label: String { Self.label(guide == nil ? .classifierFree : .autoguidance, interval) }

    static func label(_ method: GuidanceMethod, _ interval: GuidanceInterval?) -> String {
        method.rawValue + (interval.map { " σ∈[\(CompareResults.format($0.low)), \(CompareResults.format($0.high))]" } ?? "")
    }
}

extension CompareCell {
    /// The label of the cell's guidance variant ("none" at w = 0), as `GuidanceVariant.label` names it.
    var guidanceLabel: String {
        guard let guide, guide != .none else { return GuidanceMethod.none.rawValue }
        return GuidanceVariant.label(guide, interval)
    }
}
