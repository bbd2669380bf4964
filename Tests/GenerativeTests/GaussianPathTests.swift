import Foundation
import XCTest
@testable import Generative

/// Every path: α and σ against their defining formulas, derivatives against finite differences,
/// the log-SNR inverse, and the forward diffusion against its general formula and closed forms.
final class GaussianPathTests: XCTestCase {
    /// Every kind with its standard parameters, plus non-default variants.
    static let paths: [GaussianPath] = PathKind.allCases.map(GaussianPath.standard) + [
        GaussianPath(kind: .vp, betaMin: 0.5, betaMax: 5),
        GaussianPath(kind: .ve, sigmaMin: 0.002, sigmaMax: 80),
        GaussianPath(kind: .cosine, cosineShift: 0.008),
    ]

    /// Times spread over the closed domain, log-spaced near the lower end for EDM.
    static func times(_ path: GaussianPath, count: Int = 41) -> [Double] {
        let d = path.domain
        return (0..<count).map { i in
            let u = Double(i) / Double(count - 1)
            return path.kind == .edm ? d.lowerBound * Foundation.pow(d.upperBound / d.lowerBound, u)
                                     : d.lowerBound + u * (d.upperBound - d.lowerBound)
        }
    }

    /// Interior times (away from singular ends), for derivative checks.
    static func interiorTimes(_ path: GaussianPath) -> [Double] {
        times(path, count: 23).dropFirst().dropLast().map { $0 }
    }

    /// Independent textbook formulas for (α, σ).
    func reference(_ p: GaussianPath, _ t: Double) -> (Double, Double) {
        switch p.kind {
        case .rectified: return (1 - t, t)
        case .vp:
            let a = exp(-0.5 * (p.betaMin * t + 0.5 * (p.betaMax - p.betaMin) * t * t))
            return (a, sqrt(1 - a * a))
        case .subvp:
            let a = exp(-0.5 * (p.betaMin * t + 0.5 * (p.betaMax - p.betaMin) * t * t))
            return (a, 1 - a * a)
        case .ve: return (1, p.sigmaMin * pow(p.sigmaMax / p.sigmaMin, t))
        case .edm: return (1, t)
        case .cosine:
            let s = p.cosineShift
            func f(_ t: Double) -> Double { pow(cos((t + s) / (1 + s) * .pi / 2), 2) }
            let alphaBar = f(t) / f(0)         // Nichol & Dhariwal 2021, eq. 17
            return (sqrt(alphaBar), sqrt(max(0, 1 - alphaBar)))
        }
    }

    func testAlphaAndSigmaFollowTheirDefinitions() {
        for p in Self.paths {
            for t in Self.times(p) {
                let (a, s) = reference(p, t)
                XCTAssertEqual(p.alpha(t), a, accuracy: 1e-12, "\(p.kind) α(\(t))")
                XCTAssertEqual(p.sigma(t), s, accuracy: 1e-9 * max(1, s), "\(p.kind) σ(\(t))")
            }
        }
        let c = GaussianPath.standard(.cosine)
        XCTAssertEqual(c.alpha(0.3), cos(0.15 * .pi), accuracy: 1e-15)
        XCTAssertEqual(c.sigma(0.3), sin(0.15 * .pi), accuracy: 1e-15)
    }

    func testDerivativesMatchFiniteDifferences() {
        for p in Self.paths {
            for t in Self.interiorTimes(p) {
                let h = 1e-6 * max(1, t)
                let da = (p.alpha(t + h) - p.alpha(t - h)) / (2 * h)
                let ds = (p.sigma(t + h) - p.sigma(t - h)) / (2 * h)
                let dl = (p.logSNR(t + h) - p.logSNR(t - h)) / (2 * h)
                XCTAssertEqual(p.alphaDot(t), da, accuracy: 1e-6 * max(1, abs(da)), "\(p.kind) α′(\(t))")
                XCTAssertEqual(p.sigmaDot(t), ds, accuracy: 1e-6 * max(1, abs(ds)), "\(p.kind) σ′(\(t))")
                XCTAssertEqual(p.logSNRDot(t), dl, accuracy: 1e-6 * max(1, abs(dl)), "\(p.kind) λ′(\(t))")
            }
        }
    }

    func testLogSNRIsLogOfSignalOverNoiseAndDecreasing() {
        for p in Self.paths {
            var previous = Double.infinity
            for t in Self.times(p) where p.alpha(t) > 0 && p.sigma(t) > 0 {
                let l = p.logSNR(t)
                XCTAssertEqual(l, log(p.alpha(t) / p.sigma(t)), accuracy: 1e-9 * max(1, abs(l)), "\(p.kind) λ(\(t))")
                XCTAssertLessThan(l, previous, "\(p.kind): λ must decrease in t")
                previous = l
            }
        }
    }

    func testTimeOfLogSNRInvertsLogSNRAcrossTheDomain() {
        for p in Self.paths {
            for t in Self.times(p, count: 201) + [p.domain.lowerBound, p.domain.upperBound, p.noiseTime] {
                let back = p.time(logSNR: p.logSNR(t))
                XCTAssertEqual(back, t, accuracy: 1e-12 * max(1, t), "\(p.kind): λ⁻¹(λ(\(t)))")
            }
        }
        // Far beyond exp's range: no NaN (EDM's t = e^{−λ} is honestly +∞ at λ = −800).
        for p in Self.paths {
            XCTAssertFalse(p.time(logSNR: -800).isNaN, "\(p.kind) λ = −800")
            XCTAssertGreaterThanOrEqual(p.time(logSNR: -800), p.domain.upperBound, "\(p.kind) λ = −800")
            XCTAssertEqual(p.time(logSNR: 800), p.kind == .ve ? p.time(logSNR: 800) : 0, accuracy: 1e-300, "\(p.kind) λ = 800")
        }
    }

    func testForwardDiffusionMatchesGeneralFormulaAndClosedForms() {
        for p in Self.paths {
            for t in Self.interiorTimes(p) {
                // g² = 2σσ′ − 2(α′/α)σ², with α′, σ′ by finite differences (independent of the code's derivatives).
                let h = 1e-6 * max(1, t)
                let (a, s) = reference(p, t)
                let da = (reference(p, t + h).0 - reference(p, t - h).0) / (2 * h)
                let ds = (reference(p, t + h).1 - reference(p, t - h).1) / (2 * h)
                let general = 2 * s * ds - 2 * (da / a) * s * s
                let g2 = p.forwardDiffusionSquared(t)
                XCTAssertEqual(g2, general, accuracy: 1e-5 * max(1, abs(general)), "\(p.kind) g²(\(t))")
                let closed: Double
                switch p.kind {
                case .rectified: closed = 2 * t / (1 - t)
                case .vp: closed = p.betaMin + t * (p.betaMax - p.betaMin)
                case .subvp:
                    let b = p.betaMin * t + 0.5 * (p.betaMax - p.betaMin) * t * t
                    closed = (p.betaMin + t * (p.betaMax - p.betaMin)) * (1 - exp(-2 * b))
                case .ve: closed = 2 * s * s * log(p.sigmaMax / p.sigmaMin)
                case .edm: closed = 2 * t
                case .cosine:
                    let k = Double.pi / (2 * (1 + p.cosineShift))
                    closed = 2 * k * tan(k * (t + p.cosineShift))
                }
                XCTAssertEqual(g2, closed, accuracy: 1e-10 * max(1, abs(closed)), "\(p.kind) g²(\(t)) closed form")
            }
        }
        XCTAssertEqual(GaussianPath.standard(.cosine).forwardDiffusionSquared(0.5), .pi * tan(.pi / 4), accuracy: 1e-12)
    }

    func testDomainsAndNoiseTimes() {
        XCTAssertEqual(GaussianPath.standard(.rectified).domain, 0...1)
        XCTAssertEqual(GaussianPath.standard(.vp).domain, 1e-5...1)
        XCTAssertEqual(GaussianPath.standard(.edm).domain, 0.002...80)
        XCTAssertEqual(GaussianPath.standard(.edm).noiseTime, 80)
        for p in Self.paths where p.kind != .edm { XCTAssertEqual(p.noiseTime, 1) }
        // At the noise time the marginal is (close to) pure noise: α ≈ 0 or σ ≫ 1.
        XCTAssertEqual(GaussianPath.standard(.vp).alpha(1), exp(-0.5 * 10.05), accuracy: 1e-15)
        XCTAssertEqual(GaussianPath.standard(.ve).sigma(1), 50, accuracy: 1e-12)
        XCTAssertEqual(GaussianPath.standard(.ve).sigma(0), 0.01, accuracy: 1e-15)
    }
}
