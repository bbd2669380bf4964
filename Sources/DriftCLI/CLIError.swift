import Foundation

/// An error for the user: one line, printed by ArgumentParser as "Error: <line>", exit code 1.
struct CLIError: Error, CustomStringConvertible {
    let description: String
    init(_ message: String) { description = message }
    /// Wraps any error as its one-line description.
    init(_ error: Error) {
        if let e = error as? CLIError { description = e.description; return }
        let text = (error as? LocalizedError)?.errorDescription ?? String(describing: error)
        description = text.split(separator: "\n").first.map(String.init) ?? text
    }
}

/// Writes one line to standard error.
func stderrLine(_ text: String) {
    FileHandle.standardError.write(Data((text + "\n").utf8))
}
