import Foundation
import XCTest
@testable import Generative

/// JSON specs of Gaussian mixtures and paths: decoding, defaults, and errors that name the field.
final class GaussianMixtureSpecTests: XCTestCase {
    func decode(_ json: String) throws -> GaussianMixtureSpec {
        try JSONDecoder().decode(GaussianMixtureSpec.self, from: Data(json.utf8))
    }

    /// The message of the error `body` throws (fails if it does not throw).
    func message(_ body: () throws -> Void, file: StaticString = #filePath, line: UInt = #line) -> String {
        do { try body() } catch let e as GenerativeError { return e.message } catch { return "\(error)" }
        XCTFail("expected an error", file: file, line: line)
        return ""
    }

    let valid = #"{"weights": [0.3, 0.7], "means": [[-2, 0], [2, 1]], "stds": [[0.5, 0.5], [0.3, 0.8]], "path": "rectified"}"#

    func testMinimalSpecDecodesWithDefaults() throws {
        let spec = try decode(valid)
        XCTAssertEqual(spec.path, .standard(.rectified))
        XCTAssertNil(spec.parametrization)
        let g = try GaussianMixture(spec: spec)
        XCTAssertEqual(g.parametrization, .score)
        XCTAssertEqual(g.sampleShape, [2])
        XCTAssertEqual(g.componentCount, 2)
    }

    func testPathObjectsParametrizationAndIsotropicStds() throws {
        let spec = try decode(#"""
            {"name": "iso", "weights": [1], "means": [[1, 2, 3]], "stds": [0.5],
             "path": {"kind": "ve", "sigmaMax": 80}, "parametrization": "x0"}
            """#)
        XCTAssertEqual(spec.stds, [[0.5, 0.5, 0.5]])
        XCTAssertEqual(spec.path, GaussianPath(kind: .ve, sigmaMin: 0.01, sigmaMax: 80))
        XCTAssertEqual(spec.parametrization, .x0)
        XCTAssertEqual(spec.name, "iso")
    }

    func testSpecRoundTripsThroughJSON() throws {
        for kind in PathKind.allCases {
            var spec = try decode(valid)
            spec.path = GaussianPath(kind: kind, betaMax: 15, sigmaMax: 60, cosineShift: 0.008)
            spec.parametrization = .v
            let again = try JSONDecoder().decode(GaussianMixtureSpec.self, from: JSONEncoder().encode(spec))
            XCTAssertEqual(again, spec)
            XCTAssertEqual(try GaussianMixture(spec: again).spec, spec)
        }
    }

    func testPathJSONNamesOnlyTheKindsParameters() throws {
        let json = String(decoding: try JSONEncoder().encode(GaussianPath(kind: .vp, betaMin: 0.2)), as: UTF8.self)
        XCTAssertTrue(json.contains("\"betaMin\":0.2") && json.contains("\"kind\":\"vp\""), json)
        XCTAssertFalse(json.contains("sigma"), json)
        XCTAssertEqual(try JSONDecoder().decode(GaussianPath.self, from: Data(#""EDM""#.utf8)), .standard(.edm))
        XCTAssertEqual(GaussianPath(kind: .rectified, betaMin: 3), .standard(.rectified))   // unused parameters ignored
    }

    func testWeightsMustSumToOne() {
        let m = message { _ = try decode(valid.replacingOccurrences(of: "[0.3, 0.7]", with: "[0.3, 0.6]")) }
        XCTAssertTrue(m.contains("'weights'") && m.contains("sum to 0.9"), m)
        XCTAssertNoThrow(try decode(valid.replacingOccurrences(of: "[0.3, 0.7]", with: "[0.3, 0.7000005]")))
        let negative = message { _ = try decode(valid.replacingOccurrences(of: "[0.3, 0.7]", with: "[-0.3, 1.3]")) }
        XCTAssertTrue(negative.contains("'weights[0]'"), negative)
    }

    func testNegativeStdIsRejected() {
        let m = message { _ = try decode(valid.replacingOccurrences(of: "[0.3, 0.8]", with: "[0.3, -0.8]")) }
        XCTAssertTrue(m.contains("'stds[1][1]'") && m.contains("positive"), m)
    }

    func testDimensionMismatchesAreNamed() {
        let means = message { _ = try decode(valid.replacingOccurrences(of: "[2, 1]", with: "[2, 1, 0]")) }
        XCTAssertTrue(means.contains("dimension mismatch") && means.contains("'means[1]'"), means)
        let stds = message { _ = try decode(valid.replacingOccurrences(of: "[0.3, 0.8]", with: "[0.3]")) }
        XCTAssertTrue(stds.contains("'stds[1]'"), stds)
        let count = message { _ = try decode(valid.replacingOccurrences(of: "[[-2, 0], [2, 1]]", with: "[[-2, 0]]")) }
        XCTAssertTrue(count.contains("'means' has 1 components but 'weights' has 2"), count)
        let shape = message { _ = try decode(valid.replacingOccurrences(of: "\"path\"", with: "\"shape\": [3], \"path\"")) }
        XCTAssertTrue(shape.contains("'shape'"), shape)
    }

    func testUnknownPathListsTheValidOnes() {
        let m = message { _ = try decode(valid.replacingOccurrences(of: "\"rectified\"", with: "\"ddpm\"")) }
        XCTAssertTrue(m.contains("unknown path 'ddpm'") && m.contains("rectified, vp, subvp, ve, edm, cosine"), m)
        let missing = message { _ = try decode(valid.replacingOccurrences(of: ", \"path\": \"rectified\"", with: "")) }
        XCTAssertTrue(missing.contains("missing field 'path'"), missing)
        let param = message { _ = try decode(valid.replacingOccurrences(of: "}", with: ", \"parametrization\": \"eps\"}")) }
        XCTAssertTrue(param.contains("unknown parametrization 'eps'") && param.contains("epsilon"), param)
        let bad = message { _ = try decode(valid.replacingOccurrences(of: "\"rectified\"", with: #"{"kind": "ve", "sigmaMin": 5, "sigmaMax": 1}"#)) }
        XCTAssertTrue(bad.contains("invalid ve path") && bad.contains("sigmaMin"), bad)
    }

    func testLoadingNamesTheFileAndTheField() throws {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("drift-gen-\(getpid())")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: dir) }
        let file = dir.appendingPathComponent("broken.json")
        try Data(#"{"weights": [1], "means": [[0]], "path": "vp"}"#.utf8).write(to: file)
        let m = message { _ = try GaussianMixture.load(from: file) }
        XCTAssertTrue(m.contains("broken.json") && m.contains("missing field 'stds'"), m)
        try Data(#"{"weights": [1], "means": [["a"]], "stds": [[1]], "path": "vp"}"#.utf8).write(to: file)
        let typed = message { _ = try GaussianMixture.load(from: file) }
        XCTAssertTrue(typed.contains("means[0][0]"), typed)
        let absent = message { _ = try GaussianMixture.load(from: dir.appendingPathComponent("nope.json")) }
        XCTAssertTrue(absent.contains("cannot read") && absent.contains("nope.json"), absent)
    }

    func testShippedSpecsLoad() throws {
        let ring = try GaussianMixture.load(from: checkpoint("gmm-ring8.json"))
        XCTAssertEqual(ring.componentCount, 8)
        XCTAssertEqual(ring.mean[0], 0, accuracy: 1e-9)
        let high = try GaussianMixture.load(from: checkpoint("gmm-16d.json"))
        XCTAssertEqual(high.dimension, 16)
        XCTAssertEqual(high.path.kind, .vp)
        let asym = try GaussianMixture.load(from: checkpoint("gmm-2d-asym.json"))
        XCTAssertEqual(asym.weights, [0.3, 0.7])
        XCTAssertEqual(asym.path, .standard(.rectified))
    }
}
