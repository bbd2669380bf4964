import Foundation

/// A mistake a user can make in a sampler preset, a flag or a time grid: one line saying
/// what is wrong and what to do.
public struct SamplerError: Error, Equatable, CustomStringConvertible, LocalizedError {
    public let message: String
    public init(_ message: String) { self.message = message }
    public var description: String { message }
    public var errorDescription: String? { message }
}
