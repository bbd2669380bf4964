import XCTest
import TensorCore
#if canImport(Glibc)
import Glibc
#endif

/// Drift's own GEMM (`Sources/DriftKernels`) on every kernel path this CPU supports.
///
/// The contract: each element of C is one chain of fused multiply-adds over k in order,
///     c = fma(a[i,K−1], b[K−1,j], … fma(a[i,1], b[1,j], fma(a[i,0], b[0,j], c₀)))
/// with c₀ = 0 (β = 0) or the old C (β = 1), times α at the end. So the result is fixed
/// by the numbers alone: every path, every split of C, batch and thread count agree bitwise.
final class GEMMKernelTests: XCTestCase {
    /// Shapes (m, n, k): tiny, odd, thinner and wider than a micro-tile, and large enough to
    /// cross the K, M and N cache blocks (kc ≥ 64, mc ≥ a few hundred, nc = 4,096 columns).
    let shapes: [(Int, Int, Int)] = [(1, 1, 1), (1, 37, 5), (29, 1, 13), (7, 13, 5), (33, 47, 19),
                                     (100, 3, 257), (13, 130, 700), (530, 49, 91), (9, 4_150, 33)]
    let transposes = [(false, false), (true, false), (false, true), (true, true)]

    /// Random operands stored as op requires: A is m×k (k×m when transposed), B is k×n (n×k).
    func operands(_ m: Int, _ n: Int, _ k: Int, _ ta: Bool, _ tb: Bool, seed: UInt64) -> ([Float], [Float]) {
        let a = Tensor.randomNormal([m * k], key: RandomKey(seed: seed)).scalars
        let b = Tensor.randomNormal([k * n], key: RandomKey(seed: seed + 1)).scalars
        return (a, b)
    }

    func product(_ path: KernelPath, _ ta: Bool, _ tb: Bool, _ m: Int, _ n: Int, _ k: Int, alpha: Float = 1,
                 _ a: [Float], _ b: [Float], beta: Float = 0, c initial: [Float]? = nil) -> [Float] {
        var c = initial ?? [Float](repeating: .nan, count: m * n)
        a.withUnsafeBufferPointer { pa in
            b.withUnsafeBufferPointer { pb in
                c.withUnsafeMutableBufferPointer { pc in
                    sgemmSerial(transA: ta, transB: tb, m: m, n: n, k: k, alpha: alpha, a: pa.baseAddress!, lda: ta ? m : k,
                                b: pb.baseAddress!, ldb: tb ? k : n, beta: beta, c: pc.baseAddress!, ldc: n, path: path)
                }
            }
        }
        return c
    }

    func testEveryPathMatchesAFloat64ReferenceOnOddShapesAndEveryTranspose() {
        for path in KernelPath.supported {
            for (m, n, k) in shapes {
                for (ta, tb) in transposes {
                    let (a, b) = operands(m, n, k, ta, tb, seed: UInt64(m * 7 + n * 3 + k))
                    let c = product(path, ta, tb, m, n, k, a, b)
                    var worst = 0.0
                    for i in 0..<m {
                        for j in 0..<n {
                            var exact = 0.0, magnitude = 0.0
                            for p in 0..<k {
                                let x = Double(ta ? a[p * m + i] : a[i * k + p]), y = Double(tb ? b[j * k + p] : b[p * n + j])
                                exact += x * y
                                magnitude += abs(x * y)
                            }
                            // A sum of k rounded steps errs by at most k·ε·Σ|x·y| (ε = 2⁻²⁴).
                            worst = max(worst, abs(Double(c[i * n + j]) - exact) / (Double(k) * 0x1p-24 * magnitude + 1e-30))
                        }
                    }
                    XCTAssertLessThanOrEqual(worst, 1, "\(path) \(m)×\(n)×\(k) transposes \(ta) \(tb): error/bound \(worst)")
                }
            }
        }
    }

    func testEveryElementIsOneFusedChainOverKInOrder() {
        // Bitwise equal to the contract's fold, so every path gives the same bits.
        for path in KernelPath.supported {
            for (m, n, k) in [(7, 13, 5), (33, 47, 300), (5, 70, 1_000)] {
                for (ta, tb) in transposes {
                    let (a, b) = operands(m, n, k, ta, tb, seed: 5)
                    let start = Tensor.randomNormal([m * n], key: RandomKey(seed: 99)).scalars
                    let c = product(path, ta, tb, m, n, k, a, b)
                    let accumulated = product(path, ta, tb, m, n, k, a, b, beta: 1, c: start)
                    let scaled = product(path, ta, tb, m, n, k, alpha: 0.125, a, b)
                    for i in 0..<m {
                        for j in 0..<n {
                            var s: Float = 0, t = start[i * n + j]
                            for p in 0..<k {
                                let x = ta ? a[p * m + i] : a[i * k + p], y = tb ? b[j * k + p] : b[p * n + j]
                                s.addProduct(x, y)
                                t.addProduct(x, y)
                            }
                            XCTAssertEqual(c[i * n + j].bitPattern, s.bitPattern, "\(path) \(m)×\(n)×\(k) (\(i), \(j))")
                            XCTAssertEqual(accumulated[i * n + j].bitPattern, t.bitPattern, "\(path) β = 1 (\(i), \(j))")
                            XCTAssertEqual(scaled[i * n + j].bitPattern, (s * 0.125).bitPattern, "\(path) α = 1/8 (\(i), \(j))")
                        }
                    }
                }
            }
        }
    }

    func testAnyBlockOfCComputedAloneEqualsTheSameBlockOfTheWholeProduct() {
        // What a split across workers (rows or columns of C) or a batch of another size computes.
        let (m, n, k) = (67, 301, 129)
        for path in KernelPath.supported {
            for (ta, tb) in transposes {
                let (a, b) = operands(m, n, k, ta, tb, seed: 17)
                let whole = product(path, ta, tb, m, n, k, a, b)
                for (rows, cols) in [(3..<50, 0..<n), (0..<m, 5..<222), (10..<11, 100..<101), (61..<67, 290..<301)] {
                    // Sub-operands: the rows of op(A) and the columns of op(B) the block needs.
                    let subA: [Float] = ta ? (0..<k).flatMap { p in rows.map { a[p * m + $0] } }
                                           : rows.flatMap { i in a[(i * k)..<(i * k + k)] }
                    let subB: [Float] = tb ? cols.flatMap { j in b[(j * k)..<(j * k + k)] }
                                           : (0..<k).flatMap { p in cols.map { b[p * n + $0] } }
                    let block = product(path, ta, tb, rows.count, cols.count, k, subA, subB)
                    for (bi, i) in rows.enumerated() {
                        for (bj, j) in cols.enumerated() where block[bi * cols.count + bj].bitPattern != whole[i * n + j].bitPattern {
                            return XCTFail("\(path) transposes \(ta) \(tb): block \(rows)×\(cols) differs at (\(i), \(j))")
                        }
                    }
                }
            }
        }
    }

    func testMatmulIsTheSameOnEveryPathAndThreadCount() {
        // Split by rows (tall), by columns (wide), batched with a shared B, and batched B.
        let key = RandomKey(seed: 21)
        let cases: [([Int], [Int])] = [([300, 200], [200, 100]), ([8, 300], [300, 2_000]), ([4, 70, 90], [90, 50]), ([3, 40, 60], [3, 60, 30])]
        let saved = (KernelPath.active, ComputeThreads.count)
        defer { KernelPath.activate(saved.0); ComputeThreads.set(saved.1) }
        for (i, (sa, sb)) in cases.enumerated() {
            let a = Tensor.randomNormal(sa, key: key.fold(UInt64(2 * i))), b = Tensor.randomNormal(sb, key: key.fold(UInt64(2 * i + 1)))
            var results: [String: [Float]] = [:]
            for path in KernelPath.supported {
                for threads in [1, 2, 3] {
                    KernelPath.activate(path)
                    ComputeThreads.set(threads)
                    results["\(path), \(threads) threads"] = a.matmul(b).scalars
                }
            }
            let reference = results["generic, 1 threads"]!
            for (name, r) in results { XCTAssertEqual(r, reference, "\(sa)·\(sb): \(name) differs from generic, 1 thread") }
        }
    }

    func testAProductWritesOnlyItsBlockOfAWiderC() {
        // Edge tiles are read and written in place, through lane masks: C is an m×n block of a
        // larger array (ldc > n), and nothing around it may change. Every row count 1 … 13 of a
        // last tile (MR is 4 … 12) and column counts around the vector widths 8 and 16.
        let ldc = 61, rows = 15
        for path in KernelPath.supported {
            for (m, n, k) in [(1, 1, 3), (5, 7, 9), (9, 17, 40), (13, 33, 6), (11, 49, 70), (10, 50, 17), (14, 57, 5)] {
                for (ta, tb) in transposes {
                    for beta: Float in [0, 1] {
                        let (a, b) = operands(m, n, k, ta, tb, seed: UInt64(m + 31 * n))
                        var c = Tensor.randomNormal([rows * ldc], key: RandomKey(seed: 3)).scalars
                        let before = c
                        a.withUnsafeBufferPointer { pa in
                            b.withUnsafeBufferPointer { pb in
                                c.withUnsafeMutableBufferPointer { pc in
                                    sgemmSerial(transA: ta, transB: tb, m: m, n: n, k: k, alpha: 1, a: pa.baseAddress!, lda: ta ? m : k,
                                                b: pb.baseAddress!, ldb: tb ? k : n, beta: beta, c: pc.baseAddress! + ldc + 2, ldc: ldc, path: path)
                                }
                            }
                        }
                        var start: [Float] = []
                        for i in 0..<m {
                            let first: Int = ldc * (i + 1) + 2
                            start += before[first..<(first + n)]
                        }
                        let inside = product(path, ta, tb, m, n, k, a, b, beta: beta, c: start)
                        for r in 0..<rows {
                            for j in 0..<ldc {
                                let (i, jj) = (r - 1, j - 2)
                                let inBlock = i >= 0 && i < m && jj >= 0 && jj < n
                                let expected: Float = inBlock ? inside[i * n + jj] : before[r * ldc + j]
                                if c[r * ldc + j].bitPattern != expected.bitPattern {
                                    return XCTFail("\(path) \(m)×\(n)×\(k) transposes \(ta) \(tb) β \(beta): element (\(r), \(j)) of the wider C is wrong")
                                }
                            }
                        }
                    }
                }
            }
        }
    }

    func testOperandsEndingAtAnUnreadablePageAreReadOnlyWhereTheyLie() {
        // With a small k and B row-major, B is read in place (not packed), its ragged last columns
        // through lane masks. Each operand here ends at the last byte of a readable page and the
        // next page is unreadable: a read past the end would crash the test.
        let page = Int(sysconf(Int32(_SC_PAGESIZE)))
        func guarded(_ values: [Float], _ body: (UnsafePointer<Float>) -> Void) {
            let bytes = values.count * 4, span = (bytes + page - 1) / page * page
            let base = mmap(nil, span + page, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0)!
            defer { munmap(base, span + page) }
            XCTAssertEqual(mprotect(base + span, page, PROT_NONE), 0)
            let start = (base + span - bytes).bindMemory(to: Float.self, capacity: values.count)
            start.update(from: values, count: values.count)
            body(UnsafePointer(start))
        }
        for path in KernelPath.supported {
            for (m, n, k) in [(32, 196, 32), (8, 4, 16), (13, 17, 64), (5, 50, 9), (12, 33, 1), (9, 100, 65)] {
                for (ta, tb) in transposes {
                    let (a, b) = operands(m, n, k, ta, tb, seed: UInt64(7 * m + n))
                    let expected = product(path, ta, tb, m, n, k, a, b)
                    var c = [Float](repeating: .nan, count: m * n)
                    guarded(a) { pa in
                        guarded(b) { pb in
                            c.withUnsafeMutableBufferPointer { pc in
                                sgemmSerial(transA: ta, transB: tb, m: m, n: n, k: k, alpha: 1, a: pa, lda: ta ? m : k,
                                            b: pb, ldb: tb ? k : n, beta: 0, c: pc.baseAddress!, ldc: n, path: path)
                            }
                        }
                    }
                    XCTAssertEqual(c.map(\.bitPattern), expected.map(\.bitPattern), "\(path) \(m)×\(n)×\(k) transposes \(ta) \(tb)")
                }
            }
        }
    }

    func testDriftKernelNamesAPathOrFailsClearly() throws {
        XCTAssertEqual(try KernelPath.fromEnvironment([:]), KernelPath.best)
        XCTAssertEqual(try KernelPath.fromEnvironment(["DRIFT_KERNEL": "generic"]), .generic)
        XCTAssertThrowsError(try KernelPath.fromEnvironment(["DRIFT_KERNEL": "sse9"])) { error in
            XCTAssertTrue("\(error)".contains("DRIFT_KERNEL=sse9 is not a kernel path; use one of generic, avx2, avx512"), "\(error)")
        }
        for path in KernelPath.allCases where !path.isSupported {
            XCTAssertThrowsError(try KernelPath.fromEnvironment(["DRIFT_KERNEL": path.rawValue])) { error in
                XCTAssertTrue("\(error)".contains("lacks the instructions"), "\(error)")
            }
        }
        XCTAssertTrue(KernelPath.supported.contains(.generic))
        // Paths are chosen by features: a CPU with AVX-512 has AVX2 too.
        if KernelPath.avx512.isSupported { XCTAssertTrue(KernelPath.avx2.isSupported) }
    }
}
