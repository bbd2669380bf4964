import XCTest
import Foundation
import Generative
@testable import Samplers

final class TimeGridTests: XCTestCase {
    func testKarrasGridOnTheEDMPathIsEDMsSchedule() throws {
        // Karras et al. 2022, eq. 5 with σ_min = 0.002, σ_max = 80, ρ = 7, N = 18, then σ_N = 0.
        let ts = try TimeGrid(.karras(rho: 7), steps: 18, finalStep: .zero).times(on: .standard(.edm))
        XCTAssertEqual(ts.count, 19)
        for i in 0..<18 {
            let expected = Foundation.pow(Foundation.pow(80, 1 / 7.0) + Double(i) / 17 * (Foundation.pow(0.002, 1 / 7.0) - Foundation.pow(80, 1 / 7.0)), 7)
            XCTAssertEqual(ts[i], expected, accuracy: 1e-9 * expected)
        }
        XCTAssertEqual(ts[18], 0)
    }

    func testNoiseLevelsMeanTheSameOnEveryPath() throws {
        // The same Karras grid visits the same σ/α on every path (where in range).
        let grid = TimeGrid(.karras(rho: 7), steps: 10, start: .noiseLevel(20), end: .noiseLevel(0.01))
        let reference = try grid.times(on: .standard(.edm))
        for kind in [PathKind.rectified, .vp, .cosine, .subvp] {
            let path = GaussianPath.standard(kind)
            let ts = try grid.times(on: path)
            for (t, s) in zip(ts, reference) {
                XCTAssertEqual(path.sigma(t) / path.alpha(t), s, accuracy: 1e-6 * s, "\(kind)")
            }
        }
    }

    func testSpacings() throws {
        let path = GaussianPath.standard(.rectified)
        XCTAssertEqual(try TimeGrid(.uniform, steps: 4).times(on: path), [1, 0.75, 0.5, 0.25, 0])
        let quad = try TimeGrid(.quadratic, steps: 4, start: .time(1), end: .time(0)).times(on: path)
        XCTAssertEqual(quad, [1, 0.5625, 0.25, 0.0625, 0])
        let vp = GaussianPath.standard(.vp)
        let l = try TimeGrid(.logSNR, steps: 5, start: .time(0.9), end: .time(0.01)).times(on: vp).map(vp.logSNR)
        for i in 1..<5 { XCTAssertEqual(l[i + 1] - l[i], l[1] - l[0], accuracy: 1e-9) }
        // Noise-level grids on the rectified path default to EDM's range (σ/α = 80 is t = 80/81).
        let k = try TimeGrid(.karras(rho: 7), steps: 3).times(on: path)
        XCTAssertEqual(k[0], 80.0 / 81, accuracy: 1e-12)
        XCTAssertEqual(k[3], 0.002 / 1.002, accuracy: 1e-12)
    }

    func testInvalidGridsThrowNamingTheField() {
        let path = GaussianPath.standard(.vp)
        let cases: [(TimeGrid, String)] = [
            (TimeGrid(.uniform, steps: 0), "steps"),
            (TimeGrid(.uniform, steps: 5, start: .time(2)), "tStart"),
            (TimeGrid(.uniform, steps: 5, end: .time(-1)), "tEnd"),
            (TimeGrid(.karras(rho: 7), steps: 5, start: .noiseLevel(1e6)), "sigmaMax"),
            (TimeGrid(.karras(rho: -1), steps: 5), "rho"),
            (TimeGrid(.logSNR, steps: 5, start: .time(1)), "no error"),
        ]
        for (grid, field) in cases {
            do {
                _ = try grid.times(on: path)
                XCTAssertEqual(field, "no error")
            } catch {
                XCTAssertTrue("\(error)".contains(field), "\(error)")
            }
        }
        XCTAssertThrowsError(try TimeGrid(.logSNR, steps: 5, start: .time(1)).times(on: .standard(.rectified))) { error in
            XCTAssertTrue("\(error)".contains("infinite log-SNR"), "\(error)")
        }
    }
}
