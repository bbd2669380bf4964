import Foundation
import XCTest
import DriftIO

/// A fresh temporary folder per test, removed afterwards.
final class TestFolder {
    let path: String

    init(_ name: String = #function) {
        let base = NSTemporaryDirectory() + "drift-io-tests-\(getpid())-\(UUID().uuidString.prefix(8))"
        path = base
        try! FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: true)
    }

    deinit { try? FileManager.default.removeItem(atPath: path) }

    /// A path inside the folder.
    func file(_ name: String) -> String { path + "/" + name }

    /// Names of the entries in the folder, sorted.
    var entries: [String] { ((try? FileManager.default.contentsOfDirectory(atPath: path)) ?? []).sorted() }

    func bytes(_ name: String) -> [UInt8] { [UInt8](FileManager.default.contents(atPath: file(name)) ?? Data()) }

    func write(_ bytes: [UInt8], to name: String) {
        _ = FileManager.default.createFile(atPath: file(name), contents: Data(bytes))
    }
}

/// The `DriftIOError` that `body` throws; fails the test if it succeeds or throws something else.
func driftError<T>(_ body: () throws -> T, file: StaticString = #filePath, line: UInt = #line) -> DriftIOError? {
    do {
        _ = try body()
        XCTFail("expected a DriftIOError, but the call succeeded", file: file, line: line)
    } catch let e as DriftIOError {
        XCTAssertFalse(e.description.contains("\n"), "error message must be one line: \(e)", file: file, line: line)
        return e
    } catch {
        XCTFail("expected a DriftIOError, got \(error)", file: file, line: line)
    }
    return nil
}
