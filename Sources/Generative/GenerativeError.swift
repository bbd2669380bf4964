import Foundation

/// A mistake in a user-supplied model or path description (JSON spec, path parameters):
/// one line saying what is wrong and what to do.
public struct GenerativeError: Error, LocalizedError, CustomStringConvertible, Equatable {
    public let message: String
    public init(_ message: String) { self.message = message }
    public var description: String { message }
    public var errorDescription: String? { message }
}
