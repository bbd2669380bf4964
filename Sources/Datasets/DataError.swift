/// Data that cannot be used: a `--data` value that does not parse, or data that cannot be
/// loaded. Each a one-line message.
public enum DataError: Error, Equatable, CustomStringConvertible {
    /// A `--data` value (or a setting it needs) that cannot work.
    case invalidSetting(String)
    /// The data could not be loaded.
    case unreadable(String)
    /// An image is not of the shape asked for (reference images read as they are).
    case wrongShape(String)

    public var description: String {
        switch self {
        case .invalidSetting(let m): return m
        case .unreadable(let m): return m
        case .wrongShape(let m): return m
        }
    }
}
