import Foundation

/// `--class`: which class(es) `drift sample` draws, decoded against the model's class names.
enum ClassChoice: Equatable {
    /// Every sample of one class.
    case one(Int)
    /// --n samples of each class, class-major (a grid with one row per class).
    case all

    /// Parses an index (`7`), a name (`sneaker`, `"ankle boot"`, `t-shirt`; case and spaces or
    /// hyphens do not matter, and either side of a `/` in a name matches) or `all`.
    /// - Throws: one line naming the model's classes when the class is not one of them.
    static func parse(_ text: String, classNames: [String], model: String) throws -> ClassChoice {
        guard !classNames.isEmpty else {
            throw CLIError("--class \(text): \(model) is unconditional (trained without --classes); drop --class and --guidance")
        }
        let listed = classNames.enumerated().map { "\($0) \($1)" }.joined(separator: ", ")
        let wanted = normalized(text)
        if wanted == "all" { return .all }
        if let index = Int(text.trimmingCharacters(in: .whitespaces)) {
            guard (0..<classNames.count).contains(index) else {
                throw CLIError("--class \(index): \(model) has classes 0–\(classNames.count - 1) (\(listed))")
            }
            return .one(index)
        }
        let matches = classNames.indices.filter { i in
            let name = normalized(classNames[i])
            return name == wanted || name.split(separator: "/").contains { String($0) == wanted }
        }
        guard let index = matches.first else {
            throw CLIError("--class '\(text)' is not a class of \(model); its classes are \(listed) (or all)")
        }
        return .one(index)
    }

    /// Lower case, runs of spaces, hyphens and underscores as one hyphen.
    static func normalized(_ name: String) -> String {
        name.lowercased().split(whereSeparator: { " -_".contains($0) }).joined(separator: "-")
    }

    /// The class of sample i (`all`: `perClass` samples of class 0, then of class 1, …).
    func classOf(sample i: Int, perClass n: Int) -> Int {
        switch self {
        case .one(let k): return k
        case .all: return i / n
        }
    }
}
