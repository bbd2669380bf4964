import Foundation

/// Counter-based random numbers: Philox-4×32-10 (Salmon et al., "Parallel
/// random numbers: as easy as 1, 2, 3", SC 2011).
///
/// A `RandomKey` names an independent stream; `fold(_:)` derives child keys
/// (per purpose, per step, per sample). The value at counter c under key k is
/// a pure function of (k, c), so sample i's noise never depends on the batch
/// it is drawn in or on the thread count.
public struct RandomKey: Hashable, Sendable, Codable {
    public var k0: UInt32
    public var k1: UInt32

    public init(seed: UInt64) {
        let h = RandomKey.mix(seed)
        k0 = UInt32(truncatingIfNeeded: h)
        k1 = UInt32(truncatingIfNeeded: h >> 32)
    }

    init(k0: UInt32, k1: UInt32) { self.k0 = k0; self.k1 = k1 }

    /// A child key, independent of this one and of children with other `data`.
    public func fold(_ data: UInt64) -> RandomKey {
        let v = Philox.block(counter: (UInt32(truncatingIfNeeded: data), UInt32(truncatingIfNeeded: data >> 32), 0x9E37_79B9, 0x7F4A_7C15),
                             key: (k0, k1))
        return RandomKey(k0: v.0 ^ v.2, k1: v.1 ^ v.3)
    }

    /// A child key for a named purpose ("init", "noise", …).
    public func fold(_ label: String) -> RandomKey {
        var h: UInt64 = 0xcbf2_9ce4_8422_2325   // FNV-1a
        for b in label.utf8 { h = (h ^ UInt64(b)) &* 0x100_0000_01b3 }
        return fold(h)
    }

    /// SplitMix64 finalizer.
    static func mix(_ x: UInt64) -> UInt64 {
        var z = x &+ 0x9E37_79B9_7F4A_7C15
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }
}

/// The Philox-4×32-10 block function.
public enum Philox {
    @inline(__always)
    public static func block(counter c: (UInt32, UInt32, UInt32, UInt32), key k: (UInt32, UInt32))
        -> (UInt32, UInt32, UInt32, UInt32) {
        var (c0, c1, c2, c3) = c
        var (k0, k1) = k
        for _ in 0..<10 {
            let p0 = UInt64(0xD251_1F53) &* UInt64(c0)
            let p1 = UInt64(0xCD9E_8D57) &* UInt64(c2)
            let n0 = UInt32(truncatingIfNeeded: p1 >> 32) ^ c1 ^ k0
            let n2 = UInt32(truncatingIfNeeded: p0 >> 32) ^ c3 ^ k1
            c1 = UInt32(truncatingIfNeeded: p1)
            c3 = UInt32(truncatingIfNeeded: p0)
            c0 = n0; c2 = n2
            k0 = k0 &+ 0x9E37_79B9
            k1 = k1 &+ 0xBB67_AE85
        }
        return (c0, c1, c2, c3)
    }

    /// Uniform in (0, 1) from 32 random bits (never 0 or 1: safe for log).
    @inline(__always)
    public static func unit(_ u: UInt32) -> Float {
        (Float(u >> 8) + 0.5) * (1.0 / 16_777_216.0)
    }
}

/// The distributions `Tensor.random` can draw.
public enum Distribution: Sendable {
    /// Standard normal N(0, 1) (Box–Muller).
    case normal
    /// Uniform on (0, 1).
    case uniform
    /// ±1 with probability ½ each (Hutchinson probes).
    case rademacher
}

extension Tensor {
    /// Random tensor whose axis-0 index i draws from stream `key.fold(firstSample + i)`:
    /// row i depends only on (key, firstSample + i), never on the batch split or threads.
    public static func random(_ distribution: Distribution, shape: [Int], key: RandomKey, firstSample: Int = 0) -> Tensor {
        precondition(!shape.isEmpty, "random: shape must have a sample axis")
        let out = Tensor(uninitializedShape: shape)
        let rows = shape[0], per = shape.dropFirst().reduce(1, *)
        let p = out.storage.pointer
        parallelFor(rows, grain: Swift.max(1, 4096 / Swift.max(per, 1))) { lo, hi in
            for r in lo..<hi {
                let k = key.fold(UInt64(firstSample + r))
                fillRow(p + r * per, count: per, key: (k.k0, k.k1), distribution)
            }
        }
        return out
    }

    /// Standard normal noise, per-sample keyed (see `random`).
    public static func randomNormal(_ shape: [Int], key: RandomKey, firstSample: Int = 0) -> Tensor {
        random(.normal, shape: shape, key: key, firstSample: firstSample)
    }

    /// Uniform (0, 1) noise, per-sample keyed (see `random`).
    public static func randomUniform(_ shape: [Int], key: RandomKey, firstSample: Int = 0) -> Tensor {
        random(.uniform, shape: shape, key: key, firstSample: firstSample)
    }

    static func fillRow(_ p: UnsafeMutablePointer<Float>, count: Int, key: (UInt32, UInt32), _ d: Distribution) {
        var j = 0, block: UInt32 = 0
        while j < count {
            let r = Philox.block(counter: (block, 0, 0, 0), key: key)
            block &+= 1
            var v: (Float, Float, Float, Float)
            switch d {
            case .uniform:
                v = (Philox.unit(r.0), Philox.unit(r.1), Philox.unit(r.2), Philox.unit(r.3))
            case .rademacher:
                v = (r.0 & 1 == 0 ? -1 : 1, r.1 & 1 == 0 ? -1 : 1, r.2 & 1 == 0 ? -1 : 1, r.3 & 1 == 0 ? -1 : 1)
            case .normal:
                let (u0, u1, u2, u3) = (Philox.unit(r.0), Philox.unit(r.1), Philox.unit(r.2), Philox.unit(r.3))
                let ra = (-2 * Foundation.log(u0)).squareRoot(), rb = (-2 * Foundation.log(u2)).squareRoot()
                let ta = 2 * Float.pi * u1, tb = 2 * Float.pi * u3
                v = (ra * Foundation.cos(ta), ra * Foundation.sin(ta), rb * Foundation.cos(tb), rb * Foundation.sin(tb))
            }
            if j < count { p[j] = v.0 }
            if j + 1 < count { p[j + 1] = v.1 }
            if j + 2 < count { p[j + 2] = v.2 }
            if j + 3 < count { p[j + 3] = v.3 }
            j += 4
        }
    }
}
