import DriftIO
import Foundation
import TensorCore
import TensorIO
import XCTest

/// Damaged, foreign and locked files give one clear error and never crash.
final class HDF5DamageTests: XCTestCase {
    /// A small checkpoint-like file; returns its bytes.
    private func writeSample(_ dir: TestFolder, _ name: String = "good.h5", strings: Bool = true) throws -> [UInt8] {
        try HDF5Writer.write(to: dir.file(name)) { w in
            if strings { try w.setAttribute("model", .string(#"{"kind":"mlp"}"#)) }
            try w.setAttribute("step", .int64(12))
            try w.write(Tensor((0..<256).map { Float($0) + 0.5 }, shape: [16, 16]), to: "/parameters/w")
            try w.write([1, 2, 3] as [Int64], to: "/optimizer/step")
        }
        return dir.bytes(name)
    }

    /// Opens and reads everything in the file the way a checkpoint loader would.
    private func readEverything(_ path: String, checkSeal: Bool = true) throws {
        let r = try HDF5Reader(path: path, checksums: .required, checkSeal: checkSeal)
        _ = try r.attributeNames().map { try r.attribute($0) }
        for d in try r.datasets() {
            switch try r.info(d).dataType {
            case .integer: _ = try r.read(d, as: Int64.self)
            default: _ = try r.readTensor(d)
            }
        }
    }

    func testMissingEmptyDirectoryAndForeignFilesAreNamed() throws {
        let dir = TestFolder()
        XCTAssertEqual(driftError { try HDF5Reader(path: dir.file("none.h5")) }?.description, "no such file: \(dir.file("none.h5"))")
        XCTAssertEqual(driftError { try HDF5Reader(path: dir.path) }, .isDirectory(path: dir.path))
        dir.write([], to: "empty.h5")
        XCTAssertEqual(driftError { try HDF5Reader(path: dir.file("empty.h5")) }?.description,
                       "not an HDF5 file: \(dir.file("empty.h5")) (empty file)")
        var rng = SplitMix(seed: 1)
        dir.write((0..<4096).map { _ in UInt8.random(in: 0...255, using: &rng) }, to: "random.h5")
        XCTAssertEqual(driftError { try HDF5Reader(path: dir.file("random.h5")) }?.description,
                       "not an HDF5 file: \(dir.file("random.h5"))")
        dir.write(Array("hello, I am text\n".utf8), to: "text.h5")
        XCTAssertEqual(driftError { try HDF5Reader(path: dir.file("text.h5")) }, .wrongFormat(path: dir.file("text.h5"), format: "HDF5", detail: ""))
    }

    func testTruncatedFilesAreReportedAsDamaged() throws {
        let dir = TestFolder()
        let good = try writeSample(dir)
        for keep in [good.count - 1, good.count * 3 / 4, good.count / 2, 200, 40] {
            dir.write(Array(good.prefix(keep)), to: "cut.h5")
            let e = driftError { try readEverything(dir.file("cut.h5")) }
            guard case .damaged(let p, _)? = e else { XCTFail("truncated to \(keep) bytes: \(String(describing: e))"); continue }
            XCTAssertEqual(p, dir.file("cut.h5"))
            XCTAssertEqual(e?.description, "file is truncated or damaged: \(dir.file("cut.h5")) (\(keep) bytes instead of \(good.count))")
        }
    }

    func testBitFlipInsideDataIsAChecksumError() throws {
        let dir = TestFolder()
        var bytes = try writeSample(dir)
        // The float 100.5 (element 100 of /parameters/w) in little-endian bytes.
        let pattern = withUnsafeBytes(of: Float(100.5).bitPattern.littleEndian) { Array($0) }
        let at = try XCTUnwrap((0...(bytes.count - 4)).first { Array(bytes[$0..<($0 + 4)]) == pattern })
        bytes[at + 1] ^= 0x10
        dir.write(bytes, to: "flipped.h5")
        XCTAssertEqual(driftError { try HDF5Reader(path: dir.file("flipped.h5")) }?.description,
                       "checksum mismatch in \(dir.file("flipped.h5")): the file is corrupt")
        // Salvage mode: the whole-file seal is not checked, the dataset CRC names the damage.
        let r = try HDF5Reader(path: dir.file("flipped.h5"), checkSeal: false)
        XCTAssertEqual(driftError { try r.readTensor("/parameters/w") }?.description,
                       "checksum mismatch in dataset /parameters/w of \(dir.file("flipped.h5")): the file is corrupt")
        XCTAssertEqual(try r.read("/optimizer/step", as: Int64.self).values, [1, 2, 3], "other datasets stay readable")
        r.checksums = .skip
        XCTAssertNotEqual(try r.readTensor("/parameters/w").scalars[100], 100.5)
    }

    /// The seal catches every flipped bit and every truncation of a Drift file.
    func testRandomDamageIsAlwaysDetected() throws {
        let dir = TestFolder()
        let good = try writeSample(dir)
        var rng = SplitMix(seed: 7)
        for (trial, bytes) in damagedVariants(of: good, count: 200, rng: &rng).enumerated() {
            dir.write(bytes, to: "fuzz.h5")
            XCTAssertNotNil(driftError { try readEverything(dir.file("fuzz.h5")) }, "variant \(trial)")
        }
    }

    /// Without the seal, damage reaches libhdf5 and Drift's own checks: errors, no crash.
    /// (No string attributes here: libhdf5 1.10 itself can crash on a corrupt global heap.)
    func testRandomDamageWithoutSealNeverCrashes() throws {
        let dir = TestFolder()
        let good = try writeSample(dir, strings: false)
        var rng = SplitMix(seed: 11)
        var failures = 0
        for bytes in damagedVariants(of: good, count: 300, rng: &rng) {
            dir.write(bytes, to: "fuzz.h5")
            do { try readEverything(dir.file("fuzz.h5"), checkSeal: false) } catch is DriftIOError { failures += 1 }
        }
        XCTAssertGreaterThan(failures, 50, "much of the damage must be detected")
    }

    /// Truncations (every third) and 1–8 flipped bits anywhere in the file.
    private func damagedVariants(of good: [UInt8], count: Int, rng: inout SplitMix) -> [[UInt8]] {
        (0..<count).map { trial in
            var bytes = good
            if trial % 3 == 0 {
                bytes.removeLast(Int.random(in: 1..<bytes.count, using: &rng))
            } else {
                var positions = Set<Int>()   // distinct bytes, so flips never cancel
                let flips = Int.random(in: 1...8, using: &rng)
                while positions.count < flips { positions.insert(Int.random(in: 0..<bytes.count, using: &rng)) }
                for p in positions { bytes[p] ^= UInt8(1 << Int.random(in: 0..<8, using: &rng)) }
            }
            return bytes
        }
    }

    func testFileLockedByAWriterIsReportedAsLocked() throws {
        let dir = TestFolder()
        _ = try writeSample(dir)
        // libhdf5 takes flock(LOCK_EX) on files it writes; hold one like another writer would.
        let fd = open(dir.file("good.h5"), O_RDWR)
        XCTAssertEqual(flock(fd, LOCK_EX | LOCK_NB), 0)
        defer { close(fd) }
        XCTAssertEqual(driftError { try HDF5Reader(path: dir.file("good.h5")) }, .locked(path: dir.file("good.h5")))
        XCTAssertTrue(DriftIOError.locked(path: "x.h5").description.hasPrefix("file x.h5 is locked by another process writing it"))
    }

    func testFilesWrittenByH5pyReadWithoutChecksums() throws {
        let path = try XCTUnwrap(Bundle.module.path(forResource: "h5py_written", ofType: "h5", inDirectory: "Fixtures"))
        let r = try HDF5Reader(path: path)
        XCTAssertFalse(r.isSealed)
        XCTAssertEqual(try r.datasets(), ["/bigendian", "/float64", "/int32", "/nested/gzip"])
        XCTAssertEqual(try r.string("config"), #"{"hidden": 64}"#)
        XCTAssertEqual(try r.string("fixed"), "abc")
        XCTAssertEqual(try r.int64("count"), 7)
        XCTAssertEqual(try r.double("ratio"), 0.5)
        XCTAssertEqual(try r.info("/float64"), HDF5DatasetInfo(shape: [2, 3], dataType: .float64))
        XCTAssertEqual(try r.readTensor("/float64").scalars, [0, 0.25, 0.5, 0.75, 1, 1.25])
        XCTAssertEqual(try r.read("/int32", as: Int64.self).values, [-3, 0, 9])
        XCTAssertEqual(try r.readTensor("/bigendian").scalars, [1.5, -2])
        let g = try r.readTensor("/nested/gzip", shape: [10, 10]).scalars
        XCTAssertEqual(g.first, -1)
        XCTAssertEqual(g.last, 1)
        r.checksums = .required
        XCTAssertEqual(driftError { try r.readTensor("/float64") }?.description,
                       "file is truncated or damaged: \(path) (dataset /float64 has no crc32 checksum attribute)")
    }

    func testNewerFormatFromH5pyLatestIsNamed() throws {
        let path = try XCTUnwrap(Bundle.module.path(forResource: "h5py_latest", ofType: "h5", inDirectory: "Fixtures"))
        let r = try HDF5Reader(path: path)
        XCTAssertEqual(try r.readTensor("/contiguous").scalars, [1, 1, 1])
        let e = driftError { try r.readTensor("/chunked") }
        guard case .unsupportedVersion? = e else { return XCTFail("\(String(describing: e))") }
        XCTAssertTrue(e!.description.contains("write it with h5py's default libver"), e!.description)
    }

    func testH5dumpReadsWrittenFile() throws {
        guard FileManager.default.isExecutableFile(atPath: "/usr/bin/h5dump") else {
            throw XCTSkip("h5dump not installed (Debian package hdf5-tools)")
        }
        let dir = TestFolder()
        _ = try writeSample(dir)
        let p = Process()
        p.executableURL = URL(fileURLWithPath: "/usr/bin/h5dump")
        p.arguments = ["-H", dir.file("good.h5")]
        let out = Pipe()
        p.standardOutput = out
        p.standardError = out
        try p.run()
        let text = String(decoding: out.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
        p.waitUntilExit()
        XCTAssertEqual(p.terminationStatus, 0, text)
        XCTAssertTrue(text.contains(#"DATASET "w""#), text)
        XCTAssertTrue(text.contains("H5T_IEEE_F32LE"), text)
        XCTAssertTrue(text.contains(#"ATTRIBUTE "crc32""#), text)
    }
}

/// A small deterministic generator for test data (SplitMix64).
struct SplitMix: RandomNumberGenerator {
    var state: UInt64
    init(seed: UInt64) { state = seed }
    mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }
}
