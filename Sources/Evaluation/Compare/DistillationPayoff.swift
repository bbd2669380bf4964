import Foundation

/// What a distilled student's row in a sweep cost before it drew anything: from its ledger, the
/// teacher's seconds making its training data (reflow's pairs; zero for consistency distillation,
/// whose teacher runs inside training) and the student's own training seconds.
public struct StudentLedger: Sendable {
    /// The student's row in the sweep.
    public var rowName: String
    /// Seconds spent once: the teacher's generation plus the student's training.
    public var upfrontSeconds: Double
    public init(rowName: String, upfrontSeconds: Double) {
        self.rowName = rowName
        self.upfrontSeconds = upfrontSeconds
    }
}

/// Where a student pays for itself at one of its budgets: the cheapest cell of the teacher's
/// solvers that is at least as good on the sweep's first metric, and after how many samples the
/// student's total cost (its upfront seconds plus its seconds per sample) falls below the teacher's.
public struct Payoff: Sendable {
    public var student: String
    public var budget: Int
    public var metric: CompareMetric
    public var studentValue: Double
    public var studentSecondsPerSample: Double
    public var upfrontSeconds: Double
    /// The teacher's cheapest cell at least as good (nil: no cell of the sweep reaches the student's quality).
    public var teacher: String?
    public var teacherBudget: Int?
    public var teacherValue: Double?
    public var teacherSecondsPerSample: Double?

    /// Samples after which the student's total cost is below the teacher's at that quality: upfront
    /// seconds ÷ the per-sample saving. Nil when no teacher cell is as good (the student is the only
    /// way there among the cells run) or when the teacher's cell is no slower per sample (it never pays).
    public var breakEvenSamples: Double? {
        guard let t = teacherSecondsPerSample, t > studentSecondsPerSample else { return nil }
        return upfrontSeconds / (t - studentSecondsPerSample)
    }

    /// One line for the terminal and the report.
    public var sentence: String {
        let value = String(format: "%.4g", studentValue)
        let head = "\(student) at \(budget) NFE (\(metric.column) \(value))"
        guard let teacher, let tb = teacherBudget, let tv = teacherValue, let ts = teacherSecondsPerSample else {
            return "\(head): no teacher cell in this sweep is as good; its \(Int(upfrontSeconds.rounded())) s of distillation buy a quality the sweep's solvers do not reach"
        }
        let match = "the teacher's cheapest cell as good is \(teacher) at \(tb) NFE (\(String(format: "%.4g", tv))), "
            + String(format: "%.3g s per 1,000 samples against the student's %.3g", ts * 1000, studentSecondsPerSample * 1000)
        guard let n = breakEvenSamples else { return "\(head): \(match); the student never pays for its \(Int(upfrontSeconds.rounded())) s" }
        return "\(head): \(match); the student's \(Int(upfrontSeconds.rounded())) s pay for themselves after \(Int(n.rounded(.up))) samples"
    }
}

extension CompareResults {
    /// Each student's pay-off at each of its budgets, on the first metric that has a direction
    /// (lower or higher is better); the teacher's cells are every row that is not a student's.
    public func payoffs(students: [StudentLedger], count: Int) -> [Payoff] {
        guard let metric = metrics.first(where: { $0.goal != .nearReference }), count > 0 else { return [] }
        let studentRows = Set(students.map(\.rowName))
        func value(_ c: CompareCell) -> Double? { c.metrics[metric].map(\.value).flatMap { $0.isFinite ? $0 : nil } }
        func atLeastAsGood(_ a: Double, _ b: Double) -> Bool { metric.goal == .lower ? a <= b : a >= b }
        let teacherCells = cells.filter { !studentRows.contains($0.samplerName) && value($0) != nil }
        var out = [Payoff]()
        for ledger in students {
            for cell in cells where cell.samplerName == ledger.rowName {
                guard let v = value(cell) else { continue }
                let match = teacherCells.filter { atLeastAsGood(value($0)!, v) }.min { $0.seconds < $1.seconds }
                out.append(Payoff(student: ledger.rowName, budget: cell.requestedNFE, metric: metric, studentValue: v,
                                  studentSecondsPerSample: cell.seconds / Double(count), upfrontSeconds: ledger.upfrontSeconds,
                                  teacher: match?.samplerName, teacherBudget: match?.requestedNFE, teacherValue: match.flatMap(value),
                                  teacherSecondsPerSample: match.map { $0.seconds / Double(count) }))
            }
        }
        return out
    }
}

extension Array where Element == Payoff {
    /// payoff.csv: one row per student cell.
    public var csv: String {
        var text = "student,budget,metric,student_value,student_seconds_per_sample,upfront_seconds,teacher,teacher_budget,teacher_value,teacher_seconds_per_sample,break_even_samples\n"
        for p in self {
            let fields: [String] = [
                p.student, "\(p.budget)", p.metric.column, "\(p.studentValue)", "\(p.studentSecondsPerSample)", "\(p.upfrontSeconds)",
                p.teacher ?? "", p.teacherBudget.map(String.init) ?? "", p.teacherValue.map { "\($0)" } ?? "",
                p.teacherSecondsPerSample.map { "\($0)" } ?? "", p.breakEvenSamples.map { "\(Int($0.rounded(.up)))" } ?? "",
            ]
            text += fields.map { $0.contains(",") ? "\"\($0)\"" : $0 }.joined(separator: ",") + "\n"
        }
        return text
    }
}
