import Foundation
import XCTest
import DriftIO

/// `drift likelihood`, run as a user would run it.
final class LikelihoodCommandTests: XCTestCase {
    let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
    var ring: String { root.appendingPathComponent("checkpoints/gmm-ring8.json").path }

    func json(_ run: DriftProcess.Output) throws -> [String: Any] {
        let line = run.stdout.split(separator: "\n").last.map(String.init) ?? ""
        return try XCTUnwrap(JSONSerialization.jsonObject(with: Data(line.utf8)) as? [String: Any], run.stdout)
    }

    func testExactDivergenceOnTheRingMatchesItsExactLogDensity() throws {
        let run = try DriftProcess.run(["likelihood", "--model", ring, "--data", "gmm:" + ring, "--n", "400", "--seed", "1", "--json"], in: root)
        XCTAssertEqual(run.status, 0, run.stderr)
        let j = try json(run)
        let nll = try XCTUnwrap(j["nll_mean"] as? Double), exact = try XCTUnwrap(j["exact_nll_mean"] as? Double)
        XCTAssertEqual(nll, exact, accuracy: 1e-3)
        XCTAssertEqual(j["n"] as? Int, 400)
        XCTAssertEqual(j["estimator"] as? String, "exact")
        XCTAssertGreaterThan(try XCTUnwrap(j["nfe"] as? Int), 20)
        XCTAssertGreaterThan(try XCTUnwrap(j["nll_se"] as? Double), 0)
        XCTAssertNil(j["bits_per_dim"], "2-D data has no bits/dim")
        // Same seed, same numbers.
        let again = try json(try DriftProcess.run(["likelihood", "--model", ring, "--data", "gmm:" + ring, "--n", "400", "--seed", "1", "--json"], in: root))
        XCTAssertEqual(again["nll_mean"] as? Double, nll)
    }

    func testHutchinsonIsWithinThreeStandardErrorsOfTheExactValue() throws {
        let run = try DriftProcess.run(["likelihood", "--model", ring, "--data", "gmm:" + ring, "--n", "1000", "--estimator", "hutchinson",
                                        "--probes", "2", "--probe", "gaussian", "--json"], in: root)
        XCTAssertEqual(run.status, 0, run.stderr)
        let j = try json(run)
        let nll = try XCTUnwrap(j["nll_mean"] as? Double), se = try XCTUnwrap(j["nll_se"] as? Double)
        XCTAssertEqual(nll, try XCTUnwrap(j["exact_nll_mean"] as? Double), accuracy: 3 * se)
        XCTAssertEqual(j["probes"] as? Int, 2)
    }

    func testBadInputFailsWithOneLine() throws {
        assertCleanFailure(try DriftProcess.run(["likelihood", "--model", ring, "--data", "fashion-mnist", "--n", "10"], in: root),
                           mentions: ["shape [1, 28, 28]", "[2]"])
        assertCleanFailure(try DriftProcess.run(["likelihood", "--model", ring, "--data", "toy:nope", "--n", "10"], in: root),
                           mentions: ["unknown toy"])
        assertCleanFailure(try DriftProcess.run(["likelihood", "--model", ring, "--data", "toy:moons", "--probes", "0"], in: root),
                           mentions: ["--probes"])
        assertCleanFailure(try DriftProcess.run(["likelihood", "--model", ring, "--data", "toy:moons", "--estimator", "magic"], in: root),
                           mentions: ["estimator"])
    }

    /// The heat map is the model's density on the grid: for the ring, its brightest cells sit on
    /// the 8 means (radius 2) and the centre of the ring is dark.
    func testHeatmapDrawsTheDensityOfA2DModel() throws {
        let folder = temporaryFolder()
        defer { try? FileManager.default.removeItem(at: folder) }
        let map = folder.appendingPathComponent("ring.png").path
        let run = try DriftProcess.run(["likelihood", "--model", ring, "--data", "gmm:" + ring, "--n", "10", "--heatmap", map,
                                        "--heatmap-cells", "40"], in: root)
        XCTAssertEqual(run.status, 0, run.stderr)
        var image = try PixelImage.readPNG(map, channels: .rgb)
        // Plot area 400 px from (56, 12) over [−3, 3]²: every mean 2·(cos, sin)(πk/4) is bright
        // (the upper end of the colour map: green ≥ 180), the ring's centre has (almost) no mass.
        func pixel(_ x: Double, _ y: Double) -> [UInt8] {
            let (px, py) = (56 + Int((x + 3) / 6 * 400), 12 + Int((3 - y) / 6 * 400))
            return (0..<3).map { image[px, py, $0] }
        }
        for k in 0..<8 {
            let a = Double(k) * Double.pi / 4
            XCTAssertGreaterThanOrEqual(pixel(2 * cos(a), 2 * sin(a))[1], 180, "mean \(k)")
        }
        XCTAssertEqual(pixel(0, 0), [68, 1, 84])
        // Orientation: the asymmetric mixture peaks at (2, 1), not at its transpose or mirror image.
        let asym = root.appendingPathComponent("checkpoints/gmm-2d-asym.json").path
        XCTAssertEqual(try DriftProcess.run(["likelihood", "--model", asym, "--data", "gmm:" + asym, "--n", "10", "--heatmap", map,
                                             "--heatmap-cells", "40"], in: root).status, 0)
        image = try PixelImage.readPNG(map, channels: .rgb)
        XCTAssertGreaterThanOrEqual(pixel(2, 1)[1], 180)
        XCTAssertLessThan(pixel(1, 2)[1], 100)
        XCTAssertLessThan(pixel(2, -1)[1], 100)
        let bad: [([String], String)] = [(["--heatmap", "ring.txt"], "ending in .png"), (["--heatmap-cells", "1", "--heatmap", map], "--heatmap-cells"),
                                         (["--heatmap-range", "0", "--heatmap", map], "--heatmap-range")]
        for (flags, fragment) in bad {
            assertCleanFailure(try DriftProcess.run(["likelihood", "--model", ring, "--data", "gmm:" + ring] + flags, in: root), mentions: [fragment])
        }
        let sixteen = root.appendingPathComponent("checkpoints/gmm-16d.json").path
        assertCleanFailure(try DriftProcess.run(["likelihood", "--model", sixteen, "--data", "gmm:" + sixteen, "--heatmap", map], in: root),
                           mentions: ["--heatmap draws the density of a 2-D model"])
    }
}
