import DriftIO
import Foundation
import XCTest
@testable import Training

/// The run folder's loss curve is drawn from the CSV log.
final class LossCurveTests: XCTestCase {
    func testLossCurveIsReadFromTheLogAndDrawnAsAPNG() throws {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("losscurve-\(getpid())")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: dir) }
        let log = dir.appendingPathComponent("log.csv").path, png = dir.appendingPathComponent("loss.png").path
        try (TrainingLog.header + "\n10,2.5,0.001,1,1\n20,nan,0.001,1,2\n30,1.25,0.001,1,3\n40,0.5,0.001,1,4\n")
            .write(toFile: log, atomically: true, encoding: .utf8)
        let (steps, losses) = try LossCurve.read(log: log)
        XCTAssertEqual(steps, [10, 30, 40], "non-finite losses are skipped")
        XCTAssertEqual(losses, [2.5, 1.25, 0.5])
        try LossCurve.write(log: log, to: png)
        let file = try PNG.read(png)
        XCTAssertEqual(file.image.width, 640)
        XCTAssertEqual(file.image.height, 400)
        XCTAssertTrue(file.text.contains { $0.key == "Title" })
    }

    func testANonLogFileIsAClearError() throws {
        let path = FileManager.default.temporaryDirectory.appendingPathComponent("notalog-\(getpid()).csv").path
        try "a,b\n1,2\n".write(toFile: path, atomically: true, encoding: .utf8)
        defer { try? FileManager.default.removeItem(atPath: path) }
        XCTAssertThrowsError(try LossCurve.read(log: path)) { error in
            XCTAssertTrue("\(error)".contains("not a Drift training log"), "\(error)")
        }
    }
}
