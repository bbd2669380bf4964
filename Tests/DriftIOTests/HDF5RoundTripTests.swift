import DriftIO
import TensorCore
import TensorIO
import XCTest

/// Writing then reading an HDF5 file gives back every dataset and attribute exactly.
final class HDF5RoundTripTests: XCTestCase {
    func testDatasetsOfEveryTypeAndRankRoundTrip() throws {
        let dir = TestFolder()
        let path = dir.file("all.h5")
        let w4 = Tensor((0..<120).map { Float($0) * 0.25 - 7 }, shape: [2, 3, 4, 5])
        try HDF5Writer.write(to: path) { w in
            try w.write(w4, to: "/parameters/down.0.res.conv1.weight")
            try w.write(Tensor(scalar: 3.5), to: "/parameters/scale")
            try w.write([1, 2, 3, 4, 5, 6] as [Float], shape: [3, 2], to: "/ema/fc.bias")
            try w.write([Int64.min, -1, 0, Int64.max], to: "/optimizer/step")
            try w.write([0, 7, 255] as [UInt8], shape: [1, 3], to: "/rng/bytes")
            try w.write([Double.pi, -1e300], to: "/stats/doubles")
            try w.write(Tensor.zeros([0, 4]), to: "/empty")
        }
        let r = try HDF5Reader(path: path, checksums: .required)
        XCTAssertEqual(try r.datasets(), ["/ema/fc.bias", "/empty", "/optimizer/step", "/parameters/down.0.res.conv1.weight",
                                          "/parameters/scale", "/rng/bytes", "/stats/doubles"])
        XCTAssertEqual(try r.groups(), ["/ema", "/optimizer", "/parameters", "/rng", "/stats"])
        XCTAssertEqual(try r.datasets(under: "/parameters"), ["/parameters/down.0.res.conv1.weight", "/parameters/scale"])
        let t = try r.readTensor("/parameters/down.0.res.conv1.weight", shape: [2, 3, 4, 5])
        XCTAssertEqual(t.shape, [2, 3, 4, 5])
        XCTAssertEqual(t.scalars, w4.scalars)
        XCTAssertEqual(try r.readTensor("parameters/scale").shape, [])
        XCTAssertEqual(try r.readTensor("parameters/scale").item, 3.5)
        XCTAssertEqual(try r.read("/ema/fc.bias", as: Float.self).shape, [3, 2])
        XCTAssertEqual(try r.read("/optimizer/step", as: Int64.self).values, [Int64.min, -1, 0, Int64.max])
        XCTAssertEqual(try r.read("/rng/bytes", as: UInt8.self, shape: [1, 3]).values, [0, 7, 255])
        XCTAssertEqual(try r.read("/stats/doubles", as: Double.self).values, [Double.pi, -1e300])
        XCTAssertEqual(try r.readTensor("/empty").shape, [0, 4])
        XCTAssertEqual(try r.info("/optimizer/step"), HDF5DatasetInfo(shape: [4], dataType: .int64))
        XCTAssertTrue(r.contains("/parameters/scale"))
        XCTAssertFalse(r.contains("/parameters/nope"))
        XCTAssertFalse(r.contains("/nope/deeper"))
    }

    func testAttributesRoundTripOnRootGroupsAndDatasets() throws {
        let dir = TestFolder()
        let path = dir.file("attrs.h5")
        let json = #"{"model":"unet28","channels":[32,64],"name":"ü✓"}"#
        try HDF5Writer.write(to: path) { w in
            try w.setAttribute("format", .string("drift-checkpoint"))
            try w.setAttribute("format_version", .int64(1))
            try w.setAttribute("model", .string(json))
            try w.setAttribute("lr", .double(2e-4))
            try w.setAttribute("empty", .string(""))
            try w.setAttribute("milestones", .int64s([1, 10, 100]))
            try w.setAttribute("betas", .doubles([0.9, 0.999]))
            try w.setAttribute("keys", .strings(["a.b", "c"]))
            try w.setAttribute("none", .int64s([]))
            try w.write(Tensor.ones([2]), to: "/parameters/w")
            try w.setAttribute("note", .string("dataset attribute"), on: "/parameters/w")
            try w.setAttribute("kind", .string("group attribute"), on: "/optimizer")
            try w.setAttribute("format_version", .int64(2))   // replaces the first value
        }
        let r = try HDF5Reader(path: path)
        XCTAssertEqual(try r.string("format"), "drift-checkpoint")
        XCTAssertEqual(try r.int64("format_version"), 2)
        XCTAssertEqual(try r.string("model"), json)
        XCTAssertEqual(try r.double("lr"), 2e-4)
        XCTAssertEqual(try r.double("format_version"), 2)
        XCTAssertEqual(try r.string("empty"), "")
        XCTAssertEqual(try r.attribute("milestones"), .int64s([1, 10, 100]))
        XCTAssertEqual(try r.attribute("betas"), .doubles([0.9, 0.999]))
        XCTAssertEqual(try r.attribute("keys"), .strings(["a.b", "c"]))
        XCTAssertEqual(try r.attribute("none"), .int64s([]))
        XCTAssertEqual(try r.string("note", of: "/parameters/w"), "dataset attribute")
        XCTAssertEqual(try r.string("kind", of: "/optimizer"), "group attribute")
        XCTAssertEqual(try r.attributeNames(), ["betas", "empty", "format", "format_version", "keys", "lr", "milestones", "model", "none"])
        XCTAssertEqual(try r.attributeNames(of: "/parameters/w"), ["crc32", "note"])
    }

    func testMissingObjectsAndWrongTypesAreClearErrors() throws {
        let dir = TestFolder()
        let path = dir.file("m.h5")
        try HDF5Writer.write(to: path) { w in
            try w.write(Tensor.ones([2, 3]), to: "/parameters/w")
            try w.write([1, 2] as [Int64], to: "/step")
            try w.setAttribute("n", .int64(3))
        }
        let r = try HDF5Reader(path: path)
        XCTAssertEqual(driftError { try r.readTensor("/x") }?.description, "dataset /x missing in \(path)")
        XCTAssertEqual(driftError { try r.readTensor("/parameters/b") }, .missing(path: path, object: "dataset /parameters/b"))
        XCTAssertEqual(driftError { try r.readTensor("/parameters/w", shape: [3, 2]) }?.description,
                       "dataset /parameters/w in \(path): shape [2, 3], expected [3, 2]")
        XCTAssertEqual(driftError { try r.readTensor("/step") }?.description,
                       "dataset /step in \(path): stored as int64, cannot be read as float32")
        XCTAssertEqual(driftError { try r.read("/parameters/w", as: UInt8.self) }?.description,
                       "dataset /parameters/w in \(path): stored as float32, cannot be read as uint8")
        XCTAssertNotNil(driftError { try r.readTensor("/parameters") })
        XCTAssertEqual(driftError { try r.string("n") }?.description, "attribute n of / in \(path): expected string, found int64")
        XCTAssertEqual(driftError { try r.string("model") }?.description, "attribute model of / missing in \(path)")
        XCTAssertEqual(driftError { try r.attribute("a", of: "/nope") }?.description, "/nope missing in \(path)")
    }

    func testIntegerAndFloat64DatasetsConvertOnRead() throws {
        let dir = TestFolder()
        let path = dir.file("c.h5")
        try HDF5Writer.write(to: path) { w in
            try w.write([0.5, -2.25, 1e10], to: "/d")
            try w.write([3, 250] as [UInt8], to: "/u")
        }
        let r = try HDF5Reader(path: path, checksums: .required)
        XCTAssertEqual(try r.readTensor("/d").scalars, [0.5, -2.25, 1e10])
        XCTAssertEqual(try r.read("/u", as: Int64.self).values, [3, 250])
        XCTAssertEqual(try r.read("/d", as: Double.self).values, [0.5, -2.25, 1e10])
    }

    func testDuplicateDatasetIsRejectedAndAbandonsTheFile() throws {
        let dir = TestFolder()
        let path = dir.file("dup.h5")
        let e = driftError {
            try HDF5Writer.write(to: path) { w in
                try w.write(Tensor.ones([1]), to: "/a")
                try w.write(Tensor.ones([1]), to: "/a")
            }
        }
        XCTAssertEqual(e?.description, "HDF5Writer.write: /a already exists in \(path)")
        XCTAssertEqual(dir.entries, [], "neither the final file nor a temporary one may remain")
    }
}
