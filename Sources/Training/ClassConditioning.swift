import Datasets
import Foundation
import TensorCore

/// How a class-conditional model is trained (stored in the checkpoint's training config): the
/// data's class names (label = index) and the label-dropout probability p of classifier-free
/// training (Ho & Salimans 2022, Algorithm 1: each example's label is replaced by the null class
/// with probability p, so one network learns f(x, t, c) and f(x, t, ∅)).
public struct ClassConditioning: Codable, Equatable, Sendable {
    public var classNames: [String]
    public var labelDropout: Double

    public init(classNames: [String], labelDropout: Double) {
        self.classNames = classNames
        self.labelDropout = labelDropout
    }

    public var classCount: Int { classNames.count }

    /// The label dropout when `--label-dropout` is not given: 0.1 (the paper's p_uncond ∈ {0.1, 0.2}).
    public static let defaultLabelDropout = 0.1

    /// Checks the settings; one line naming the flag otherwise.
    public func validate() throws {
        guard !classNames.isEmpty else { throw TrainingError.invalidSetting("--classes: the data name no classes") }
        guard labelDropout >= 0 && labelDropout < 1 else {
            throw TrainingError.invalidSetting("--label-dropout must be in [0, 1), got \(labelDropout)")
        }
    }

    /// Whether the example at stream position `position` trains the null class: one uniform of
    /// `key` at counter `position` (a pure function of the example's position, not of its row).
    public func dropsLabel(position: Int, key: RandomKey) -> Bool {
        guard labelDropout > 0 else { return false }
        var stream = PhiloxStream(key: key, counter: UInt64(position))
        return Double(stream.next() >> 11) * 0x1p-53 < labelDropout
    }
}
