import Foundation

/// JSON form of a path: either just the kind (`"vp"`) for the standard parameters, or an
/// object `{"kind": "vp", "betaMin": 0.1, "betaMax": 20}` naming only the parameters the
/// kind uses (`betaMin`/`betaMax` for vp, subvp; `sigmaMin`/`sigmaMax` for ve, edm;
/// `cosineShift` for cosine). Missing parameters take the standard values. This is the
/// form stored in checkpoints.
extension GaussianPath: Codable {
    enum CodingKeys: String, CodingKey { case kind, betaMin, betaMax, sigmaMin, sigmaMax, cosineShift }

    /// The kind for a JSON name, or an error listing the valid names.
    public static func kind(named name: String) throws -> PathKind {
        guard let kind = PathKind(rawValue: name.lowercased()) else {
            let valid = PathKind.allCases.map(\.rawValue).joined(separator: ", ")
            throw GenerativeError("unknown path '\(name)': use one of \(valid)")
        }
        return kind
    }

    public init(from decoder: Decoder) throws {
        if let single = try? decoder.singleValueContainer(), let name = try? single.decode(String.self) {
            self = .standard(try Self.kind(named: name))
            return
        }
        let c = try decoder.container(keyedBy: CodingKeys.self)
        let name = try c.decode(String.self, forKey: .kind)
        self.init(kind: try Self.kind(named: name),
                  betaMin: try c.decodeIfPresent(Double.self, forKey: .betaMin),
                  betaMax: try c.decodeIfPresent(Double.self, forKey: .betaMax),
                  sigmaMin: try c.decodeIfPresent(Double.self, forKey: .sigmaMin),
                  sigmaMax: try c.decodeIfPresent(Double.self, forKey: .sigmaMax),
                  cosineShift: try c.decodeIfPresent(Double.self, forKey: .cosineShift))
        try validate()
    }

    public func encode(to encoder: Encoder) throws {
        var c = encoder.container(keyedBy: CodingKeys.self)
        try c.encode(kind.rawValue, forKey: .kind)
        switch kind {
        case .vp, .subvp:
            try c.encode(betaMin, forKey: .betaMin)
            try c.encode(betaMax, forKey: .betaMax)
        case .ve, .edm:
            try c.encode(sigmaMin, forKey: .sigmaMin)
            try c.encode(sigmaMax, forKey: .sigmaMax)
        case .cosine:
            try c.encode(cosineShift, forKey: .cosineShift)
        case .rectified:
            break
        }
    }

    /// Checks the parameters describe a valid path (finite, positive where needed, ordered).
    public func validate() throws {
        func check(_ ok: Bool, _ what: String) throws {
            if !ok { throw GenerativeError("invalid \(kind.rawValue) path: \(what)") }
        }
        switch kind {
        case .vp, .subvp:
            try check(betaMin.isFinite && betaMax.isFinite, "betaMin and betaMax must be finite numbers")
            try check(betaMin > 0 && betaMax >= betaMin,
                      "need 0 < betaMin ≤ betaMax, got betaMin \(betaMin), betaMax \(betaMax)")
        case .ve, .edm:
            try check(sigmaMin.isFinite && sigmaMax.isFinite, "sigmaMin and sigmaMax must be finite numbers")
            try check(sigmaMin > 0 && sigmaMax > sigmaMin,
                      "need 0 < sigmaMin < sigmaMax, got sigmaMin \(sigmaMin), sigmaMax \(sigmaMax)")
        case .cosine:
            try check(cosineShift.isFinite && cosineShift >= 0 && cosineShift < 1,
                      "cosineShift must be in [0, 1), got \(cosineShift)")
        case .rectified:
            break
        }
    }
}
