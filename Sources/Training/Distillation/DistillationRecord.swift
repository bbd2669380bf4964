import Datasets
import Foundation

/// The ledger of a distilled student (`drift distill`), stored in its training config and so in
/// every checkpoint and export of it: the teacher (file and SHA-256), the round, and what the
/// teacher spent on the student: for reflow, making its pairs (network evaluations, seconds, CPU);
/// for consistency distillation, its passes per training example, inside the student's training
/// (so its seconds are the checkpoint's `elapsedSeconds`, as a reflow student's own training is).
public struct DistillationRecord: Codable, Equatable, Sendable {
    /// How the student learns from its teacher.
    public enum Method: String, Codable, CaseIterable, Sendable {
        /// Rectified flow's reflow (Liu et al. 2022): flow matching on the teacher's noise–sample pairs.
        case reflow
        /// Consistency distillation (Song et al. 2023): the student learns to map each point of the
        /// teacher's ODE trajectories to their end, from one teacher step per training example.
        case consistency
    }

    public var method: Method
    /// 1 for a student of a trained model, k + 1 for a student of a round-k student.
    public var round: Int
    /// The teacher as given, and the SHA-256 of its file's bytes.
    public var teacher: String
    public var teacherSHA256: String
    /// The teacher's own record when it was itself a student (empty otherwise): the chain back.
    public var teacherLedger: [DistillationRecord]
    /// The pairs the student trained on: how many, and what making them cost (reflow; 0 and nil for consistency).
    public var pairs: Int
    public var generation: ReflowPairs.Record?
    /// Consistency distillation: teacher network passes per training example (a Heun step: 2, 4 with guidance).
    public var teacherPassesPerExample: Int?
    /// The CPU the student trained on.
    public var trainingCPU: String

    public init(method: Method, round: Int, teacher: String, teacherSHA256: String, teacherLedger: [DistillationRecord] = [],
                pairs: Int, generation: ReflowPairs.Record?, teacherPassesPerExample: Int? = nil, trainingCPU: String) {
        (self.method, self.round, self.teacher, self.teacherSHA256, self.teacherLedger) = (method, round, teacher, teacherSHA256, teacherLedger)
        (self.pairs, self.generation, self.teacherPassesPerExample, self.trainingCPU) = (pairs, generation, teacherPassesPerExample, trainingCPU)
    }

    /// Teacher network evaluations spent on this student's pairs and on every earlier round's
    /// (consistency distillation spends its teacher's inside training: `teacherPasses(examples:)`).
    public var totalTeacherEvaluations: Int { (generation?.evaluations ?? 0) + teacherLedger.reduce(0) { $0 + $1.totalTeacherEvaluations } }

    /// The teacher passes of a student that has trained on `examples` examples (consistency
    /// distillation), or made its pairs (reflow).
    public func teacherPasses(examples: Int) -> Int { teacherPassesPerExample.map { $0 * examples } ?? generation?.evaluations ?? 0 }

    /// "reflow round 1 of checkpoints/x.h5: 4096 pairs by dpmpp-2m-20, 81920 network passes (20 per pair), 403 s on AMD EPYC", or
    /// "consistency of checkpoints/x.h5: 2 teacher passes per training example, 256000 so far" after `examples` examples.
    public func summary(examples: Int) -> String {
        guard let generation else {
            return "\(method.rawValue) of \(teacher): \(teacherPassesPerExample ?? 0) teacher passes per training example, \(teacherPasses(examples: examples)) so far"
        }
        let perPair = pairs > 0 ? Double(generation.evaluations) / Double(pairs) : 0
        return "\(method.rawValue) round \(round) of \(teacher): \(pairs) pairs by \(generation.sampler), \(generation.evaluations) network passes "
            + "(\(String(format: "%.0f", perPair)) per pair), \(Int(generation.seconds.rounded())) s on \(generation.cpu)"
    }
}
