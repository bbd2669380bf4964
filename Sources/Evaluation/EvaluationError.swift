/// A problem with an evaluation's input or settings: one line for the user.
public struct EvaluationError: Error, CustomStringConvertible, Equatable {
    public let message: String
    public init(_ message: String) { self.message = message }
    public var description: String { message }
}
