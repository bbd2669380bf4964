import XCTest
import TensorCore
import Generative
@testable import Samplers
import Presets

final class PresetTests: XCTestCase {
    static let required = ["euler-50", "heun-karras-18", "midpoint-25", "rk4-20", "bosh3", "dopri5", "ddim-50",
                           "dpmpp-2m-20", "em-500", "ancestral-100", "pc-langevin", "edm-churn", "dpmpp-2m-sde-20"]

    func testEveryPresetFileDecodesAndSamplesTheMixture() throws {
        let names = PresetLibrary.names(in: presetDirectory)
        XCTAssertTrue(Set(Self.required).isSubset(of: names), "missing presets: \(Set(Self.required).subtracting(names))")
        let ring = try GaussianMixture.load(from: presetDirectory.deletingLastPathComponent()
            .appendingPathComponent("checkpoints/gmm-ring8.json"))
        for name in names {
            let preset = try PresetLibrary.resolve(name, in: [presetDirectory])
            let key = RandomKey(seed: 0)
            let noise = Sampler.initialNoise(count: 500, sampleShape: ring.sampleShape, key: key)
            let r = try preset.sampler.sample(ring, noise: noise, key: key)
            XCTAssertEqual(r.samples.shape, [500, 2], name)
            XCTAssertTrue(r.samples.scalars.allSatisfy(\.isFinite), name)
            if let planned = preset.sampler.plannedEvaluations(for: ring) {
                XCTAssertEqual(r.evaluations, planned, "\(name): NFE")
            }
            // Consistency sampling draws only from a consistency model; on the mixture, a denoiser, one step
            // is the posterior mean (ConsistencySamplerTests checks that, and the exact consistency function).
            if preset.solverName == "consistency" { continue }
            // Sanity: every sample lands near the ring of radius 2 (components have std 0.15). At 5 NFE
            // iPNDM, extrapolating ε̂ in σ/α over the Karras grid's few long steps, lands 81% there
            // (bias-corrected SW₂² 0.080, DPM-Solver++(2M) at 5 NFE 0.183): 5-NFE presets need 75%.
            let radii = stride(from: 0, to: 1000, by: 2).map { i -> Double in
                let v = r.samples.scalars
                return (Double(v[i]) * Double(v[i]) + Double(v[i + 1]) * Double(v[i + 1])).squareRoot()
            }
            let within = Double(radii.filter { abs($0 - 2) < 0.6 }.count) / 500
            print("preset \(name): NFE \(r.evaluations), \(Int(within * 100))% within 0.6 of the ring")
            XCTAssertGreaterThan(within, r.evaluations <= 5 ? 0.75 : 0.95, name)
        }
    }

    func testStrictDecodingNamesTheFieldAndFile() {
        func message(_ json: String, overrides: [String: JSONValue] = [:]) -> String {
            do {
                _ = try SamplerPreset.decode(Data(json.utf8), source: "bad.json", overrides: overrides)
                return "no error"
            } catch { return "\(error)" }
        }
        let cases: [(String, [String: JSONValue], [String])] = [
            (#"{"solver": "heun", "steps": 18, "colour": 3}"#, [:], ["bad.json", "unknown field 'colour'"]),
            (#"{"solver": "heun", "steps": "18"}"#, [:], ["bad.json", "'steps'", "integer", "a string"]),
            (#"{"solver": "heun", "steps": 18.5}"#, [:], ["'steps'", "integer", "18.5"]),
            (#"{"solver": "heun", "steps": -3}"#, [:], ["'steps'", "at least 1", "-3"]),
            (#"{"solver": "heun"}"#, [:], ["missing field 'steps'"]),
            (#"{"steps": 3}"#, [:], ["missing field 'solver'"]),
            (#"{"solver": "leapfrog", "steps": 3}"#, [:], ["unknown solver 'leapfrog'", "dopri5"]),
            (#"{"solver": "heun", "steps": 3, "eta": 0.5}"#, [:], ["'eta' does not apply to solver 'heun'"]),
            (#"{"solver": "heun", "steps": 3, "rho": 7}"#, [:], ["'rho' does not apply", "grid 'uniform'"]),
            (#"{"solver": "dopri5", "steps": 3}"#, [:], ["'steps' does not apply to solver 'dopri5'"]),
            (#"{"solver": "ddim", "steps": 3, "eta": -1}"#, [:], ["'eta'", "≥ 0"]),
            (#"{"solver": "ancestral", "steps": 3, "eta": 0}"#, [:], ["'eta' must be > 0"]),
            (#"{"solver": "euler-maruyama", "steps": 3, "diffusion": "loud"}"#, [:], ["'diffusion'", "scaled:k"]),
            (#"{"solver": "euler", "steps": 3, "grid": "cubic"}"#, [:], ["'grid'", "karras"]),
            (#"{"solver": "euler", "steps": 3, "tStart": 0.9, "sigmaMax": 5}"#, [:], ["'tStart' or 'sigmaMax'"]),
            (#"{"solver": "edm", "steps": 3, "sTmin": 5, "sTmax": 1}"#, [:], ["'sTmin'", "'sTmax'"]),
            (#"{"solver": "heun" "steps": 18}"#, [:], ["bad.json", "not valid JSON"]),
            (#"[1, 2]"#, [:], ["expected a JSON object", "an array"]),
            (#"{"solver": "heun", "steps": 18}"#, ["steps": .number(-2)], ["'steps'", "at least 1"]),
        ]
        for (json, overrides, fragments) in cases {
            let m = message(json, overrides: overrides)
            for f in fragments { XCTAssertTrue(m.contains(f), "\(json): '\(m)' lacks '\(f)'") }
            XCTAssertFalse(m.contains("\n"), "one line: \(m)")
        }
    }

    func testTimeRangeOutsideThePathDomainIsAnError() throws {
        let vp = GaussianPath.standard(.vp)
        let cases: [(String, String)] = [
            (#"{"solver": "euler", "steps": 10, "tStart": 1.5}"#, "tStart = 1.5 is outside"),
            (#"{"solver": "euler", "steps": 10, "tEnd": 0.5, "tStart": 0.4}"#, "must exceed tEnd"),
            (#"{"solver": "heun", "steps": 10, "grid": "karras", "sigmaMax": 1000}"#, "sigmaMax = 1000.0 is outside"),
        ]
        for (json, fragment) in cases {
            let preset = try SamplerPreset.decode(Data(json.utf8), source: "p.json")
            XCTAssertThrowsError(try preset.validate(for: vp)) { error in
                XCTAssertTrue("\(error)".contains(fragment) && "\(error)".contains("p.json"), "\(error)")
            }
        }
        // The reverse SDE on the rectified path is singular at t = 1.
        let em = try SamplerPreset.decode(Data(#"{"solver": "euler-maruyama", "steps": 10, "tStart": 1}"#.utf8), source: "em.json")
        XCTAssertThrowsError(try em.validate(for: .standard(.rectified))) { XCTAssertTrue("\($0)".contains("infinite"), "\($0)") }
    }

    func testUnknownPresetNameListsTheAvailableOnes() {
        XCTAssertThrowsError(try PresetLibrary.resolve("heun-karras-81", in: [presetDirectory])) { error in
            XCTAssertTrue("\(error)".contains("unknown sampler 'heun-karras-81'") && "\(error)".contains("heun-karras-18"), "\(error)")
        }
        XCTAssertThrowsError(try PresetLibrary.resolve("no/such/file.json", in: [presetDirectory])) { error in
            XCTAssertTrue("\(error)".contains("does not exist"), "\(error)")
        }
    }

    func testOverridesReplaceFieldsAndAreRecorded() throws {
        let p = try PresetLibrary.resolve("heun-karras-18", in: [presetDirectory], overrides: ["steps": .number(30)])
        XCTAssertEqual(p.sampler.grid.steps, 30)
        // Heun's correction is skipped on the step to σ = 0 only for models undefined there (x₀, score).
        let x0Model = try GaussianMixture(weights: [1], means: [[0, 0]], stds: [[1, 1]], path: .standard(.edm), parametrization: .x0)
        XCTAssertEqual(p.sampler.plannedEvaluations(for: NetworkLike(mixture: x0Model)), 59)
        XCTAssertEqual(p.sampler.plannedEvaluations(for: x0Model), 60)
        XCTAssertTrue(p.json.contains("\"steps\":30"), p.json)
        let edm18 = try PresetLibrary.resolve("heun-karras-18", in: [presetDirectory]).sampler
        XCTAssertEqual(edm18.plannedEvaluations(for: NetworkLike(mixture: x0Model)), 35)
    }

    /// An override replaces what the preset said about the same thing: another grid drops the
    /// preset's ρ, a time endpoint its noise level (and the other way round).
    func testOverridingTheGridOrAnEndpointReplacesWhatThePresetSaidAboutIt() throws {
        let logSNR = try PresetLibrary.resolve("ipndm-10", in: [presetDirectory], overrides: ["grid": .string("logsnr")])
        XCTAssertEqual(logSNR.sampler.grid.spacing, .logSNR)
        XCTAssertNil(logSNR.fields["rho"])
        let karras = try PresetLibrary.resolve("ipndm-10", in: [presetDirectory], overrides: ["rho": .number(3)])
        XCTAssertEqual(karras.sampler.grid.spacing, .karras(rho: 3))
        let level = Data(#"{"solver": "heun", "steps": 4, "sigmaMax": 10}"#.utf8)
        let time = try SamplerPreset.decode(level, source: "level.json", overrides: ["tStart": .number(0.9)])
        XCTAssertEqual(time.sampler.grid.start, .time(0.9))
        XCTAssertNil(time.fields["sigmaMax"])
        XCTAssertThrowsError(try PresetLibrary.resolve("heun-karras-18", in: [presetDirectory],
                                                       overrides: ["tStart": .number(0.9), "sigmaMax": .number(10)])) { error in
            XCTAssertTrue("\(error)".contains("give 'tStart' or 'sigmaMax', not both"), "\(error)")
        }
    }
}
