import Datasets
import Foundation

/// The ledger of a distilled student (`drift distill`), stored in its training config and so in
/// every checkpoint and export of it: the teacher (file and SHA-256), the round, and what the
/// teacher spent making the student's training data (network evaluations, seconds, CPU). The
/// student's own training seconds are the checkpoint's `elapsedSeconds`.
public struct DistillationRecord: Codable, Equatable, Sendable {
    /// How the student learns from its teacher.
    public enum Method: String, Codable, CaseIterable, Sendable {
        /// Rectified flow's reflow (Liu et al. 2022): flow matching on the teacher's noise–sample pairs.
        case reflow
    }

    public var method: Method
    /// 1 for a student of a trained model, k + 1 for a student of a round-k student.
    public var round: Int
    /// The teacher as given, and the SHA-256 of its file's bytes.
    public var teacher: String
    public var teacherSHA256: String
    /// The teacher's own record when it was itself a student (empty otherwise): the chain back.
    public var teacherLedger: [DistillationRecord]
    /// The pairs the student trained on: how many, and what making them cost.
    public var pairs: Int
    public var generation: ReflowPairs.Record
    /// The CPU the student trained on.
    public var trainingCPU: String

    public init(method: Method, round: Int, teacher: String, teacherSHA256: String, teacherLedger: [DistillationRecord] = [],
                pairs: Int, generation: ReflowPairs.Record, trainingCPU: String) {
        (self.method, self.round, self.teacher, self.teacherSHA256, self.teacherLedger) = (method, round, teacher, teacherSHA256, teacherLedger)
        (self.pairs, self.generation, self.trainingCPU) = (pairs, generation, trainingCPU)
    }

    /// Teacher network evaluations spent on this student's data and on every earlier round's.
    public var totalTeacherEvaluations: Int { generation.evaluations + teacherLedger.reduce(0) { $0 + $1.totalTeacherEvaluations } }

    /// "reflow round 1 of checkpoints/x.h5: 4096 pairs by dpmpp-2m-20, 81920 network passes (20 per pair), 403 s on AMD EPYC".
    public var summary: String {
        let perPair = pairs > 0 ? Double(generation.evaluations) / Double(pairs) : 0
        return "\(method.rawValue) round \(round) of \(teacher): \(pairs) pairs by \(generation.sampler), \(generation.evaluations) network passes "
            + "(\(String(format: "%.0f", perPair)) per pair), \(Int(generation.seconds.rounded())) s on \(generation.cpu)"
    }
}
